;;
SELECT 1;;
   ;
PREPARE add_one(int) AS SELECT $1 + 1;
EXECUTE add_one(1);
DEALLOCATE add_one;
SELECT 'last; one' AS last -- and a comment; after it

