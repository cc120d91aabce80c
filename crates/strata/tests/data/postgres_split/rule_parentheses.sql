CREATE TABLE orders (id int);
CREATE TABLE audit_a (id int);
CREATE TABLE audit_b (id int);
CREATE RULE orders_audit AS ON INSERT TO orders DO ALSO (
  INSERT INTO audit_a VALUES (NEW.id);
  INSERT INTO audit_b VALUES (NEW.id)
);
INSERT INTO orders VALUES (1);
SELECT (SELECT count(*) FROM audit_a) + (SELECT count(*) FROM audit_b) AS audited;
