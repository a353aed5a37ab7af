// Declarations of the raw tables that `gp2gp load …` fills (schemas in includes/raw_schemas.ts).
raw_schemas.RAW_TABLES.forEach((table) => {
  declare({
    schema: config.datasets.raw,
    name: table.name,
    description: table.description,
    columns: raw_schemas.columnDocs(table.name),
  });
});
