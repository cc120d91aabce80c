CREATE TABLE audit (id int AUTO_INCREMENT PRIMARY KEY, note varchar(100));
DELIMITER $$
CREATE PROCEDURE add_note(IN n varchar(100))
BEGIN
  INSERT INTO audit (note) VALUES (n);
  INSERT INTO audit (note) VALUES (CONCAT(n, '; again $$'));
END$$
CREATE FUNCTION twice(x int) RETURNS int DETERMINISTIC
BEGIN
  DECLARE y int DEFAULT 0; -- a comment; inside
  SET y = x * 2; # another; one
  RETURN y;
END $$
DELIMITER ;
CALL add_note('first');
delimiter //
CREATE TRIGGER audit_upper BEFORE INSERT ON audit FOR EACH ROW
BEGIN
  IF NEW.note LIKE '%//%' THEN
    SET NEW.note = UPPER(NEW.note);
  END IF;
END//
SELECT twice(2) AS four// SELECT twice(3) AS six //
   Delimiter ;;   the rest of the line is ignored
CREATE EVENT audit_cleanup ON SCHEDULE EVERY 1 DAY DO
  BEGIN
    DELETE FROM audit WHERE id < 0;
    DELETE FROM audit WHERE note IS NULL;
  END;;
DELIMITER "$;"
SELECT 1 AS one$; SELECT 'two;$;' AS two$;
DELIMITER ;
INSERT INTO audit (note) VALUES ('a // b');
SELECT note FROM audit ORDER BY id;
