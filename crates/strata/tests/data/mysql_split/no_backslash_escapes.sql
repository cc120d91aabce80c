SELECT 'C:\' AS path;
SELECT 'a\' AS a, "b\" AS b;
SELECT 'it''s\' AS doubled;
SELECT `x\` FROM (SELECT 1 AS `x\`) t;
