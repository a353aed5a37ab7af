/**
 * How the command line writes numbers: British English grouping ("1,234,567"), one formatter for every command.
 * The formatter is made on first use: loading the locale's data costs a command that prints no number its start-up.
 */
let formatter: Intl.NumberFormat | undefined;

export const number = {
  format: (value: number | bigint): string => (formatter ??= new Intl.NumberFormat("en-GB")).format(value),
};
