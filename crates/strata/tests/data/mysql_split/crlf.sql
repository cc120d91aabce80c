SELECT 1;
-- a comment
DELIMITER //
CREATE PROCEDURE crlf_p()
BEGIN
  SELECT 'a\
b' AS ab;
END//
DELIMITER ;
CALL crlf_p();
SELECT 2--
;
