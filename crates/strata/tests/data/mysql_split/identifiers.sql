CREATE TABLE `semi;colon` (`a;b` int, `say ``hi``;` int, `back\slash` int, `#hash` int, `-- dash` int, `/* star */` int);
INSERT INTO `semi;colon` VALUES (1, 2, 3, 4, 5, 6);
SELECT `a;b`, `say ``hi``;`, `back\slash` AS `x\`, `#hash`, `-- dash`, `/* star */` FROM `semi;colon`;
CREATE VIEW `v;1` AS SELECT `a;b` AS `"quoted";`, `semi;colon`.`#hash` FROM `semi;colon`;
SELECT * FROM `v;1` WHERE `"quoted";` = 1;
