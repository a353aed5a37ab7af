/**
 * How the command line writes numbers: British English grouping ("1,234,567"), one formatter for every command.
 */
export const number = new Intl.NumberFormat("en-GB");
