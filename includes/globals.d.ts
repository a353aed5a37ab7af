// The global that Dataform provides to includes at compile time. Absent when scripts import the includes.
declare const dataform: { projectConfig: { vars?: Record<string, string>; defaultDatabase?: string } } | undefined;
