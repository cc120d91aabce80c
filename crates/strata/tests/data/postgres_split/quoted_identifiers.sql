CREATE TABLE "weird;name" ("say ""hi"";" int, U&"d\0061t;" text, "$$" int);
INSERT INTO "weird;name" VALUES (1, 'x', 2);
SELECT "say ""hi"";", "dat;", "$$" FROM "weird;name";
SELECT 1 AS a$$b, 2 AS "end", 3 AS begin$x;
