/*
** dosql.h — the C API of dosql (libdosql.so), in the style of sqlite3.h.
**
** What it is for: C programs (and other languages' FFIs) use dosql through these functions.
** They mirror SQLite's C interface one for one, so code written against sqlite3.h ports by
** renaming the prefix: sqlite3_open -> dosql_open, sqlite3_stmt -> dosql_stmt, SQLITE_ROW ->
** DOSQL_ROW, and the database handle type sqlite3 -> dosql. Signatures, result codes, type codes,
** open flags and the documented semantics are SQLite's (see https://sqlite.org/c3ref/intro.html);
** docs/c_api.md lists what is implemented and where dosql differs (a file database is a
** directory; a few functions are not provided).
**
** Ownership: dosql_open* allocates a database handle that the caller releases with
** dosql_close/dosql_close_v2 (also when the open failed). dosql_prepare* allocates statements
** released with dosql_finalize. Strings returned by dosql_column_text/blob/name/decltype,
** dosql_errmsg, dosql_sql and dosql_bind_parameter_name are owned by the library and stay valid
** for as long as SQLite documents (column values until the next dosql_step/dosql_reset/
** dosql_finalize on the statement or a type conversion of that value; dosql_errmsg until the
** next call on the handle). Error messages handed out through dosql_exec's errmsg argument are
** owned by the caller, who frees them with dosql_free. Text and blobs passed to dosql_bind_* are
** copied before the call returns; a destructor other than DOSQL_STATIC/DOSQL_TRANSIENT is called
** once the copy is made (also when the bind fails).
**
** Threads: every function may be called from any thread. A database handle serializes calls on
** itself and on its statements with a mutex (SQLite's "serialized" threading mode); different
** handles run in parallel. Several handles may open the same file database in one process.
**
** No C++ exception ever leaves these functions; allocation failure is reported as DOSQL_NOMEM.
*/
#ifndef DOSQL_H_
#define DOSQL_H_

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define DOSQL_API __attribute__((visibility("default")))
#else
#define DOSQL_API
#endif

#define DOSQL_VERSION "0.1.0"
#define DOSQL_VERSION_NUMBER 1000

/*
** The database handle. In C (and in C++ code that does not also use the C++ API) its name is
** `dosql`, as SQLite's is `sqlite3`. C++ code that includes the C++ facade (namespace dosql)
** as well must define DOSQL_NO_DB_TYPEDEF before including this header and spell the type
** `dosql_db`.
*/
typedef struct dosql_db dosql_db;
#if !defined(DOSQL_NO_DB_TYPEDEF)
typedef struct dosql_db dosql;
#endif

/* A prepared statement. */
typedef struct dosql_stmt dosql_stmt;

typedef long long int dosql_int64;
typedef unsigned long long int dosql_uint64;

/* Result codes (the same numbers as SQLITE_*). */
#define DOSQL_OK 0          /* Successful result */
#define DOSQL_ERROR 1       /* Generic error */
#define DOSQL_INTERNAL 2    /* Internal logic error in dosql */
#define DOSQL_PERM 3        /* Access permission denied */
#define DOSQL_ABORT 4       /* Callback routine requested an abort */
#define DOSQL_BUSY 5        /* The database file is locked */
#define DOSQL_LOCKED 6      /* A table in the database is locked */
#define DOSQL_NOMEM 7       /* A malloc() failed */
#define DOSQL_READONLY 8    /* Attempt to write a readonly database */
#define DOSQL_INTERRUPT 9   /* Operation terminated by dosql_interrupt() */
#define DOSQL_IOERR 10      /* Some kind of disk I/O error occurred */
#define DOSQL_CORRUPT 11    /* The database disk image is malformed */
#define DOSQL_NOTFOUND 12   /* Unknown opcode */
#define DOSQL_FULL 13       /* Insertion failed because database is full */
#define DOSQL_CANTOPEN 14   /* Unable to open the database file */
#define DOSQL_PROTOCOL 15   /* Database lock protocol error */
#define DOSQL_EMPTY 16      /* Internal use only */
#define DOSQL_SCHEMA 17     /* The database schema changed */
#define DOSQL_TOOBIG 18     /* String or BLOB exceeds size limit */
#define DOSQL_CONSTRAINT 19 /* Abort due to constraint violation */
#define DOSQL_MISMATCH 20   /* Data type mismatch */
#define DOSQL_MISUSE 21     /* Library used incorrectly */
#define DOSQL_NOLFS 22      /* Uses OS features not supported on host */
#define DOSQL_AUTH 23       /* Authorization denied */
#define DOSQL_FORMAT 24     /* Not used */
#define DOSQL_RANGE 25      /* 2nd parameter to dosql_bind out of range */
#define DOSQL_NOTADB 26     /* File opened that is not a database file */
#define DOSQL_NOTICE 27     /* Notifications from dosql_log() */
#define DOSQL_WARNING 28    /* Warnings from dosql_log() */
#define DOSQL_ROW 100       /* dosql_step() has another row ready */
#define DOSQL_DONE 101      /* dosql_step() has finished executing */

/* Extended result codes (reported by dosql_extended_errcode, or returned by every function
** after dosql_extended_result_codes(db, 1) or DOSQL_OPEN_EXRESCODE). */
#define DOSQL_ABORT_ROLLBACK (DOSQL_ABORT | (2 << 8))
#define DOSQL_BUSY_TIMEOUT (DOSQL_BUSY | (3 << 8))
#define DOSQL_ERROR_MISSING_COLLSEQ (DOSQL_ERROR | (1 << 8))
#define DOSQL_CANTOPEN_ISDIR (DOSQL_CANTOPEN | (2 << 8))
#define DOSQL_CONSTRAINT_CHECK (DOSQL_CONSTRAINT | (1 << 8))
#define DOSQL_CONSTRAINT_COMMITHOOK (DOSQL_CONSTRAINT | (2 << 8))
#define DOSQL_CONSTRAINT_FOREIGNKEY (DOSQL_CONSTRAINT | (3 << 8))
#define DOSQL_CONSTRAINT_FUNCTION (DOSQL_CONSTRAINT | (4 << 8))
#define DOSQL_CONSTRAINT_NOTNULL (DOSQL_CONSTRAINT | (5 << 8))
#define DOSQL_CONSTRAINT_PRIMARYKEY (DOSQL_CONSTRAINT | (6 << 8))
#define DOSQL_CONSTRAINT_TRIGGER (DOSQL_CONSTRAINT | (7 << 8))
#define DOSQL_CONSTRAINT_UNIQUE (DOSQL_CONSTRAINT | (8 << 8))
#define DOSQL_CONSTRAINT_VTAB (DOSQL_CONSTRAINT | (9 << 8))
#define DOSQL_CONSTRAINT_ROWID (DOSQL_CONSTRAINT | (10 << 8))
#define DOSQL_CONSTRAINT_PINNED (DOSQL_CONSTRAINT | (11 << 8))
#define DOSQL_CONSTRAINT_DATATYPE (DOSQL_CONSTRAINT | (12 << 8))

/* Fundamental datatypes (storage classes). */
#define DOSQL_INTEGER 1
#define DOSQL_FLOAT 2
#define DOSQL_TEXT 3
#define DOSQL_BLOB 4
#define DOSQL_NULL 5

/* Text encodings (only UTF-8 is supported). */
#define DOSQL_UTF8 1

/* Flags for dosql_open_v2 (the same bits as SQLITE_OPEN_*). One of READONLY, READWRITE or
** READWRITE|CREATE is required; the others are accepted and, where marked, ignored. */
#define DOSQL_OPEN_READONLY 0x00000001
#define DOSQL_OPEN_READWRITE 0x00000002
#define DOSQL_OPEN_CREATE 0x00000004
#define DOSQL_OPEN_URI 0x00000040          /* ignored: file names are paths */
#define DOSQL_OPEN_MEMORY 0x00000080       /* the database is in memory whatever its name */
#define DOSQL_OPEN_NOMUTEX 0x00008000      /* ignored: handles are always serialized */
#define DOSQL_OPEN_FULLMUTEX 0x00010000    /* ignored: handles are always serialized */
#define DOSQL_OPEN_SHAREDCACHE 0x00020000  /* ignored */
#define DOSQL_OPEN_PRIVATECACHE 0x00040000 /* ignored */
#define DOSQL_OPEN_NOFOLLOW 0x01000000     /* ignored */
#define DOSQL_OPEN_EXRESCODE 0x02000000    /* extended result codes on */

/* Flags for dosql_prepare_v3 (accepted; they do not change behaviour). */
#define DOSQL_PREPARE_PERSISTENT 0x01
#define DOSQL_PREPARE_NORMALIZE 0x02
#define DOSQL_PREPARE_NO_VTAB 0x04

/* Destructors for dosql_bind_text/blob: STATIC (the caller keeps the bytes alive) and
** TRANSIENT (copy them now). dosql always copies, so both behave alike. */
typedef void (*dosql_destructor_type)(void*);
#define DOSQL_STATIC ((dosql_destructor_type)0)
#define DOSQL_TRANSIENT ((dosql_destructor_type)-1)

/* The callback of dosql_exec: (user data, column count, values as text, column names). */
typedef int (*dosql_callback)(void*, int, char**, char**);

/* Version. */
DOSQL_API const char* dosql_libversion(void);
DOSQL_API int dosql_libversion_number(void);
DOSQL_API int dosql_threadsafe(void);

/* Memory (for strings the library hands to the caller). */
DOSQL_API void* dosql_malloc(int n);
DOSQL_API void* dosql_malloc64(dosql_uint64 n);
DOSQL_API void* dosql_realloc(void* p, int n);
DOSQL_API void* dosql_realloc64(void* p, dosql_uint64 n);
DOSQL_API void dosql_free(void* p);

/* Opening and closing. A file database is a directory named by `filename`; ":memory:" or ""
** opens a private in-memory database. */
DOSQL_API int dosql_open(const char* filename, dosql_db** ppDb);
DOSQL_API int dosql_open_v2(const char* filename, dosql_db** ppDb, int flags, const char* zVfs);
DOSQL_API int dosql_close(dosql_db* db);
DOSQL_API int dosql_close_v2(dosql_db* db);
DOSQL_API const char* dosql_db_filename(dosql_db* db, const char* zDbName);
DOSQL_API int dosql_db_readonly(dosql_db* db, const char* zDbName);

/* Errors. */
DOSQL_API int dosql_errcode(dosql_db* db);
DOSQL_API int dosql_extended_errcode(dosql_db* db);
DOSQL_API const char* dosql_errmsg(dosql_db* db);
DOSQL_API const char* dosql_errstr(int rc);
DOSQL_API int dosql_error_offset(dosql_db* db);
DOSQL_API int dosql_extended_result_codes(dosql_db* db, int onoff);

/* Running SQL. */
DOSQL_API int dosql_exec(dosql_db* db, const char* sql, dosql_callback callback, void* arg,
                         char** errmsg);
DOSQL_API int dosql_prepare(dosql_db* db, const char* zSql, int nByte, dosql_stmt** ppStmt,
                            const char** pzTail);
DOSQL_API int dosql_prepare_v2(dosql_db* db, const char* zSql, int nByte, dosql_stmt** ppStmt,
                               const char** pzTail);
DOSQL_API int dosql_prepare_v3(dosql_db* db, const char* zSql, int nByte, unsigned int prepFlags,
                               dosql_stmt** ppStmt, const char** pzTail);
DOSQL_API int dosql_step(dosql_stmt* pStmt);
DOSQL_API int dosql_reset(dosql_stmt* pStmt);
DOSQL_API int dosql_finalize(dosql_stmt* pStmt);

/* Statement properties. */
DOSQL_API const char* dosql_sql(dosql_stmt* pStmt);
DOSQL_API int dosql_stmt_readonly(dosql_stmt* pStmt);
DOSQL_API int dosql_stmt_busy(dosql_stmt* pStmt);
DOSQL_API dosql_db* dosql_db_handle(dosql_stmt* pStmt);
DOSQL_API dosql_stmt* dosql_next_stmt(dosql_db* db, dosql_stmt* pStmt);

/* Parameters (1-based). */
DOSQL_API int dosql_bind_blob(dosql_stmt* pStmt, int i, const void* zData, int nData,
                              void (*xDel)(void*));
DOSQL_API int dosql_bind_blob64(dosql_stmt* pStmt, int i, const void* zData, dosql_uint64 nData,
                                void (*xDel)(void*));
DOSQL_API int dosql_bind_double(dosql_stmt* pStmt, int i, double rValue);
DOSQL_API int dosql_bind_int(dosql_stmt* pStmt, int i, int iValue);
DOSQL_API int dosql_bind_int64(dosql_stmt* pStmt, int i, dosql_int64 iValue);
DOSQL_API int dosql_bind_null(dosql_stmt* pStmt, int i);
DOSQL_API int dosql_bind_text(dosql_stmt* pStmt, int i, const char* zData, int nData,
                              void (*xDel)(void*));
DOSQL_API int dosql_bind_text64(dosql_stmt* pStmt, int i, const char* zData, dosql_uint64 nData,
                                void (*xDel)(void*), unsigned char encoding);
DOSQL_API int dosql_bind_zeroblob(dosql_stmt* pStmt, int i, int n);
DOSQL_API int dosql_bind_zeroblob64(dosql_stmt* pStmt, int i, dosql_uint64 n);
DOSQL_API int dosql_bind_parameter_count(dosql_stmt* pStmt);
DOSQL_API const char* dosql_bind_parameter_name(dosql_stmt* pStmt, int i);
DOSQL_API int dosql_bind_parameter_index(dosql_stmt* pStmt, const char* zName);
DOSQL_API int dosql_clear_bindings(dosql_stmt* pStmt);

/* Result columns (0-based). */
DOSQL_API int dosql_column_count(dosql_stmt* pStmt);
DOSQL_API int dosql_data_count(dosql_stmt* pStmt);
DOSQL_API const char* dosql_column_name(dosql_stmt* pStmt, int iCol);
DOSQL_API const char* dosql_column_decltype(dosql_stmt* pStmt, int iCol);
DOSQL_API const void* dosql_column_blob(dosql_stmt* pStmt, int iCol);
DOSQL_API int dosql_column_bytes(dosql_stmt* pStmt, int iCol);
DOSQL_API double dosql_column_double(dosql_stmt* pStmt, int iCol);
DOSQL_API int dosql_column_int(dosql_stmt* pStmt, int iCol);
DOSQL_API dosql_int64 dosql_column_int64(dosql_stmt* pStmt, int iCol);
DOSQL_API const unsigned char* dosql_column_text(dosql_stmt* pStmt, int iCol);
DOSQL_API int dosql_column_type(dosql_stmt* pStmt, int iCol);

/* Connection state. */
DOSQL_API int dosql_changes(dosql_db* db);
DOSQL_API dosql_int64 dosql_changes64(dosql_db* db);
DOSQL_API int dosql_total_changes(dosql_db* db);
DOSQL_API dosql_int64 dosql_total_changes64(dosql_db* db);
DOSQL_API dosql_int64 dosql_last_insert_rowid(dosql_db* db);
DOSQL_API int dosql_get_autocommit(dosql_db* db);

/* Interrupting: makes the statements running on `db` fail with DOSQL_INTERRUPT at their next
** check (at least every 1024 rows). May be called from any thread. */
DOSQL_API void dosql_interrupt(dosql_db* db);

/* ---------------------------------------------------------------------------------------------
** User-defined functions (sqlite3_create_function_v2 / sqlite3_create_window_function).
** Functions are per connection; one with the name and argument count of a built-in replaces it.
** nArg is -1 (any) to 127. eTextRep is DOSQL_UTF8, optionally or-ed with DOSQL_DETERMINISTIC
** (other encodings are accepted and treated as UTF-8). Scalar functions give xFunc; aggregates
** xStep and xFinal; window functions also xValue and xInverse. Passing no callbacks deletes the
** function. xDestroy(pApp) runs when the function is replaced or deleted, or the connection is
** closed (after the last statement using it is finalized).
** Inside a callback: dosql_value_* read the arguments (valid during the call only),
** dosql_result_* set the result (the last call wins; an error fails the statement with the
** message), dosql_aggregate_context gives per-group memory (zeroed on the first call, freed
** after xFinal), dosql_user_data gives pApp.
** ------------------------------------------------------------------------------------------- */
typedef struct dosql_context dosql_context;
typedef struct dosql_value dosql_value;

#define DOSQL_UTF16LE 2
#define DOSQL_UTF16BE 3
#define DOSQL_UTF16 4
#define DOSQL_ANY 5
#define DOSQL_DETERMINISTIC 0x000000800
#define DOSQL_DIRECTONLY 0x000080000
#define DOSQL_INNOCUOUS 0x000200000

DOSQL_API int dosql_create_function(dosql_db* db, const char* zFunctionName, int nArg,
                                    int eTextRep, void* pApp,
                                    void (*xFunc)(dosql_context*, int, dosql_value**),
                                    void (*xStep)(dosql_context*, int, dosql_value**),
                                    void (*xFinal)(dosql_context*));
DOSQL_API int dosql_create_function_v2(dosql_db* db, const char* zFunctionName, int nArg,
                                       int eTextRep, void* pApp,
                                       void (*xFunc)(dosql_context*, int, dosql_value**),
                                       void (*xStep)(dosql_context*, int, dosql_value**),
                                       void (*xFinal)(dosql_context*),
                                       void (*xDestroy)(void*));
DOSQL_API int dosql_create_window_function(dosql_db* db, const char* zFunctionName, int nArg,
                                           int eTextRep, void* pApp,
                                           void (*xStep)(dosql_context*, int, dosql_value**),
                                           void (*xFinal)(dosql_context*),
                                           void (*xValue)(dosql_context*),
                                           void (*xInverse)(dosql_context*, int, dosql_value**),
                                           void (*xDestroy)(void*));

/* ---------------------------------------------------------------------------------------------
** User-defined collations (sqlite3_create_collation_v2 / sqlite3_collation_needed).
** A collation is per connection: xCompare(pArg, nA, a, nB, b) orders two TEXT values given as
** UTF-8 bytes (not NUL-terminated) and returns <0, 0 or >0; it must be a total order. It is
** used by COLLATE clauses, column definitions, ORDER BY, GROUP BY, DISTINCT, compound SELECTs,
** IN, min/max, windows, and indexes and UNIQUE constraints declared with it. eTextRep must be
** DOSQL_UTF8 (DOSQL_UTF16* give DOSQL_ERROR: dosql has no UTF-16 collations; anything else is
** DOSQL_MISUSE). A null xCompare deletes the collation. Replacing or deleting one while a
** statement of the connection is running gives DOSQL_BUSY; prepared statements are re-planned
** (and fail with "no such collation sequence: NAME" if they need a deleted one). The built-in
** names BINARY, NOCASE and RTRIM cannot be replaced (DOSQL_ERROR). xDestroy(pArg) runs when
** the collation is replaced or deleted, or the connection is closed; as in SQLite (and unlike
** the other interfaces), not when dosql_create_collation_v2 fails.
** dosql_collation_needed registers a callback called (with DOSQL_UTF8) when a statement needs
** a collation the connection does not have; it may register it before the statement fails.
** ------------------------------------------------------------------------------------------- */
#define DOSQL_UTF16_ALIGNED 8
DOSQL_API int dosql_create_collation(dosql_db* db, const char* zName, int eTextRep, void* pArg,
                                     int (*xCompare)(void*, int, const void*, int, const void*));
DOSQL_API int dosql_create_collation_v2(dosql_db* db, const char* zName, int eTextRep,
                                        void* pArg,
                                        int (*xCompare)(void*, int, const void*, int,
                                                        const void*),
                                        void (*xDestroy)(void*));
DOSQL_API int dosql_collation_needed(dosql_db* db, void* pArg,
                                     void (*xNeeded)(void*, dosql_db*, int eTextRep,
                                                     const char*));

DOSQL_API void* dosql_user_data(dosql_context* ctx);
DOSQL_API dosql_db* dosql_context_db_handle(dosql_context* ctx);
DOSQL_API void* dosql_aggregate_context(dosql_context* ctx, int nBytes);

DOSQL_API int dosql_value_type(dosql_value* v);
DOSQL_API int dosql_value_numeric_type(dosql_value* v);
DOSQL_API dosql_int64 dosql_value_int64(dosql_value* v);
DOSQL_API int dosql_value_int(dosql_value* v);
DOSQL_API double dosql_value_double(dosql_value* v);
DOSQL_API const unsigned char* dosql_value_text(dosql_value* v);
DOSQL_API const void* dosql_value_blob(dosql_value* v);
DOSQL_API int dosql_value_bytes(dosql_value* v);

DOSQL_API void dosql_result_null(dosql_context* ctx);
DOSQL_API void dosql_result_int(dosql_context* ctx, int v);
DOSQL_API void dosql_result_int64(dosql_context* ctx, dosql_int64 v);
DOSQL_API void dosql_result_double(dosql_context* ctx, double v);
DOSQL_API void dosql_result_text(dosql_context* ctx, const char* z, int n,
                                 dosql_destructor_type xDel);
DOSQL_API void dosql_result_blob(dosql_context* ctx, const void* z, int n,
                                 dosql_destructor_type xDel);
DOSQL_API void dosql_result_zeroblob(dosql_context* ctx, int n);
DOSQL_API void dosql_result_value(dosql_context* ctx, dosql_value* v);
DOSQL_API void dosql_result_error(dosql_context* ctx, const char* z, int n);
DOSQL_API void dosql_result_error_code(dosql_context* ctx, int code);
DOSQL_API void dosql_result_error_nomem(dosql_context* ctx);
DOSQL_API void dosql_result_error_toobig(dosql_context* ctx);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* DOSQL_H_ */
