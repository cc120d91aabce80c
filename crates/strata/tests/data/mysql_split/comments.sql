# a hash comment; with a semicolon
-- a dash comment; 'with a quote
--	a tab after the dashes;
--no space: a comment still, before a statement; "
/* a block comment;
   over 'lines' "with" `quotes`; */
SELECT 1 # trailing; comment
  , 2 -- trailing; comment
  , 3 /* inline; */ , 4;
SELECT 5--1 AS minus_minus;
SELECT 6 /* a comment before the delimiter */;  -- after; it
SELECT 7; # after; it
SELECT 8--
;
/* before */ SELECT 9 /* after */ ; /* between */ SELECT 10;
SELECT 11 AS `a#b`, 'c#d' AS e, 12#comment
;
SELECT 13 /* a /* does not nest */;
SELECT 14 -- the end
