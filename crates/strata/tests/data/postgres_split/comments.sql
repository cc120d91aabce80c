/* A header comment; it holds $$ and ' and "
   /* and a nested one; with $$ too */
   still inside the outer comment; */
SELECT 1 /* inline; */ AS one; -- trailing; $$ '
-- a whole line; $tag$
SELECT 2 AS two /* nested /* ; */ ; */;
SELECT 3 -- ;
  AS three;
SELECT 4*/*;*/5 AS product;
/* only a comment here; */
