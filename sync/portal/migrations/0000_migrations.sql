-- The schema's first version: the table of applied migrations exists (OpenPostgres makes it
-- before any file runs); each concern's tables come in the files after this one.
SELECT 1;
