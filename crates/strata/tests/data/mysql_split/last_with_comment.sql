SELECT 1;
SELECT 2 -- no delimiter after this one
