CREATE TABLE strings (id int PRIMARY KEY, s varchar(200));
INSERT INTO strings VALUES (1, 'a;b'), (2, 'it''s; fine'), (3, 'it\'s; fine'), (4, "say \"hi\"; then go");
INSERT INTO strings VALUES (5, 'C:\\path\\'), (6, "double "" quote;"), (7, '# not a comment; -- nor this /* nor */');
INSERT INTO strings VALUES (8, 'one line;
another; line'), (9, 'a backslash ends this line \
and escapes its newline;');
SELECT _utf8mb4'in;tro' AS introducer, N'national;' AS n, X'3B' AS hex, 0x3B AS hex2, b'111011' AS bits;
SELECT 'adjacent; ' 'strings;' AS joined, "mixed; " 'quotes' AS mixed, '\\' AS one_backslash;
SELECT count(*) FROM strings WHERE s LIKE '%\;%' OR s LIKE "%\"%";
