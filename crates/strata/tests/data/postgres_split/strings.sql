SELECT E'it\'s; fine' AS escaped, e'back\\slash;' AS lower_e, 'C:\path\' AS standard;
SELECT 'it''s; doubled', U&'d\0061t\+000061' AS unicode, U&'d!0061t;' UESCAPE '!' AS uescape;
SELECT B'1010' AS bits, X'1F' AS hex, N'national; text' AS national;
SELECT 'continued; '
  'on the next line;' AS continued;
SELECT E'\\', E'\'', E''';''' AS e_strings;
