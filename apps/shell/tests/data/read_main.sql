.read read_inner.sql
SELECT 'back in the main input';
.read no_such_file.sql
.read
SELECT 'end of main';
