CREATE TABLE `données` (`clé` varchar(20), `値` varchar(20)) DEFAULT CHARSET=utf8mb4;
INSERT INTO `données` VALUES ('café; crème', '日本語;'), ("naïve", '€');
SELECT `clé` AS `ключ;` FROM `données` WHERE `値` <> '—;—'; -- ½; ¾
