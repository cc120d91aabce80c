CREATE TABLE counters (n int);
DELIMITER //
BEGIN NOT ATOMIC
  DECLARE i int DEFAULT 0;
  DECLARE CONTINUE HANDLER FOR SQLSTATE '23000' SET i = i;
  loop_label: WHILE i < 3 DO
    INSERT INTO counters VALUES (i);
    SET i = i + 1;
  END WHILE loop_label;
  CASE WHEN i = 3 THEN INSERT INTO counters VALUES (100); ELSE SET i = 0; END CASE;
  IF (SELECT count(*) FROM counters) > 3 THEN
    INSERT INTO counters VALUES (-1);
  END IF;
END//
DELIMITER ;
SELECT count(*) AS rows_counted FROM counters;
