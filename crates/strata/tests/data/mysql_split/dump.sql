DROP TABLE IF EXISTS `notes`;
/*!40101 SET @saved_cs_client     = @@character_set_client */;
/*!40101 SET character_set_client = utf8mb4 */;
CREATE TABLE `notes` (
  `id` int(11) NOT NULL AUTO_INCREMENT,
  `body` text DEFAULT NULL COMMENT 'the note; as typed',
  PRIMARY KEY (`id`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;
/*!40101 SET character_set_client = @saved_cs_client */;

--
-- Dumping data for table `notes`
--

LOCK TABLES `notes` WRITE;
/*!40000 ALTER TABLE `notes` DISABLE KEYS */;
INSERT INTO `notes` VALUES (1,'semi;colon'),(2,'quote\'s'),(3,'back\\slash'),(4,'new\nline\r\n'),(5,'tab\there'),(6,'nul\0byte'),(7,'-- not a comment'),(8,'# nor this');
/*!40000 ALTER TABLE `notes` ENABLE KEYS */;
UNLOCK TABLES;
