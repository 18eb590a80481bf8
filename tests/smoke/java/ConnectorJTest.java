// Smoke test through MariaDB Connector/J (JDBC), unchanged.
//
//   javac -cp /usr/share/java/mariadb-java-client.jar -d OUT tests/smoke/java/ConnectorJTest.java
//   java -Duser.timezone=UTC -cp OUT:/usr/share/java/mariadb-java-client.jar ConnectorJTest HOST PORT
//
// (tests/smoke/connectorj.sh does both.) Connects as root with no password
// and, once with server-side prepared statements (useServerPrepStmts=true:
// COM_STMT_PREPARE / COM_STMT_EXECUTE, typed binary parameters and binary
// result rows) and once with the driver's default client-side prepared
// statements (text protocol):
// - creates a table of typed columns (INT, BIGINT, DECIMAL, DOUBLE, VARCHAR,
//   DATE, DATETIME, DATETIME(6), TIMESTAMP(3), BLOB) and inserts rows through
//   PreparedStatement setters (setInt, setLong, setBigDecimal, setDouble,
//   setString, setObject(LocalDate/LocalDateTime), setTimestamp, setBytes,
//   setNull): extreme integers, non-ASCII text incl. a 4-byte emoji, binary
//   bytes 0x00..0xFF, fractional seconds, NULLs;
// - reads them back with typed getters and getObject, and checks the JDBC
//   column metadata (java.sql.Types, precision/scale, nullability);
// - JSON: probes CREATE TABLE ... JSON; a server without JSON (error 1235) is
//   reported as a skip, one with it must round-trip a document;
// - a transaction with rollback and one with commit (setAutoCommit(false),
//   rollback(), commit()), checking what another connection sees;
// - MySQL errors: getErrorCode(), getSQLState() and the SQLException subclass
//   of a duplicate key (1062, 23000), an unknown table (1146, 42S02) and a
//   syntax error (1064, 42000).
// Exits 0 when everything matched, 1 otherwise (each mismatch is printed).

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.SQLIntegrityConstraintViolationException;
import java.sql.SQLSyntaxErrorException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.sql.Types;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

public class ConnectorJTest {
    static final List<String> failures = new ArrayList<>();
    static String host;
    static int port;

    static void check(String name, Object actual, Object expected) {
        boolean same = (actual instanceof byte[] && expected instanceof byte[])
                ? Arrays.equals((byte[]) actual, (byte[]) expected)
                : Objects.equals(actual, expected);
        if (same) {
            System.out.println("ok:   " + name);
        } else {
            System.out.println("FAIL: " + name + ": expected " + show(expected) + ", got " + show(actual));
            failures.add(name);
        }
    }

    static String show(Object v) {
        if (v == null) return "null";
        if (v instanceof byte[]) {
            byte[] b = (byte[]) v;
            return "byte[" + b.length + "]" + Arrays.toString(Arrays.copyOf(b, Math.min(b.length, 12)));
        }
        return v + " (" + v.getClass().getSimpleName() + ")";
    }

    static final byte[] BLOB = new byte[259];
    static {
        for (int i = 0; i < 256; i++) BLOB[i] = (byte) i;
        BLOB[256] = 0x00;
        BLOB[257] = (byte) 0xFF;
        BLOB[258] = 0x00;
    }

    static final String TEXT = "Grüße, 世界 🚀 ñ";

    /** A typed row: id, i, b, d, f, s, dt, dtm, dtm6, ts, bl. */
    static final Object[][] ROWS = {
        {1, Integer.MIN_VALUE, Long.MAX_VALUE, new BigDecimal("-123456789012.345"), 3.141592653589793, TEXT,
            LocalDate.of(2024, 2, 29), LocalDateTime.of(1999, 12, 31, 23, 59, 59),
            LocalDateTime.of(2024, 12, 31, 23, 59, 58, 123_456_000), LocalDateTime.of(2038, 1, 19, 3, 14, 7, 500_000_000),
            BLOB},
        {2, Integer.MAX_VALUE, Long.MIN_VALUE, new BigDecimal("0.001"), -2.5e-300, "",
            LocalDate.of(1000, 1, 1), LocalDateTime.of(9999, 12, 31, 23, 59, 59),
            LocalDateTime.of(1970, 1, 1, 0, 0, 0, 1_000), LocalDateTime.of(1970, 1, 1, 0, 0, 1),
            new byte[] {0}},
        {3, null, null, null, null, null, null, null, null, null, null},
    };
    static final String[] COLUMNS = {"id", "i", "b", "d", "f", "s", "dt", "dtm", "dtm6", "ts", "bl"};

    static Connection connect(String db, boolean serverPrep) throws SQLException {
        String url = "jdbc:mariadb://" + host + ":" + port + "/" + db + "?user=root&password=&connectTimeout=10000"
                + "&useServerPrepStmts=" + serverPrep;
        return DriverManager.getConnection(url);
    }

    static void insertRows(Connection c, String mode) throws SQLException {
        String sql = "INSERT INTO typed (" + String.join(", ", COLUMNS) + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (Object[] r : ROWS) {
                ps.setInt(1, (Integer) r[0]);
                if (r[1] == null) ps.setNull(2, Types.INTEGER); else ps.setInt(2, (Integer) r[1]);
                if (r[2] == null) ps.setNull(3, Types.BIGINT); else ps.setLong(3, (Long) r[2]);
                ps.setBigDecimal(4, (BigDecimal) r[3]);
                if (r[4] == null) ps.setNull(5, Types.DOUBLE); else ps.setDouble(5, (Double) r[4]);
                ps.setString(6, (String) r[5]);
                ps.setObject(7, r[6], Types.DATE);
                ps.setObject(8, r[7], Types.TIMESTAMP);
                ps.setObject(9, r[8], Types.TIMESTAMP);
                ps.setTimestamp(10, r[9] == null ? null : Timestamp.valueOf((LocalDateTime) r[9]));
                ps.setBytes(11, (byte[]) r[10]);
                check(mode + ": insert row " + r[0] + ": update count", ps.executeUpdate(), 1);
            }
        }
    }

    static void checkRows(String mode, ResultSet rs) throws SQLException {
        ResultSetMetaData md = rs.getMetaData();
        int[] types = {Types.INTEGER, Types.INTEGER, Types.BIGINT, Types.DECIMAL, Types.DOUBLE, Types.VARCHAR,
            Types.DATE, Types.TIMESTAMP, Types.TIMESTAMP, Types.TIMESTAMP, Types.VARBINARY};
        // (Connector/J reports a BLOB of length 65,535 as VARBINARY, LONGVARBINARY above 16 MiB.)
        for (int i = 0; i < COLUMNS.length; i++) {
            check(mode + ": column " + COLUMNS[i] + " label and java.sql.Types",
                    md.getColumnLabel(i + 1) + " " + md.getColumnType(i + 1), COLUMNS[i] + " " + types[i]);
        }
        check(mode + ": DECIMAL(15,3) precision and scale", md.getPrecision(4) + "," + md.getScale(4), "15,3");
        check(mode + ": id is NOT NULL, i nullable", md.isNullable(1) + "," + md.isNullable(2),
                ResultSetMetaData.columnNoNulls + "," + ResultSetMetaData.columnNullable);
        int n = 0;
        while (rs.next()) {
            Object[] want = ROWS[n++];
            String row = mode + ": row " + want[0] + " ";
            check(row + "id", rs.getInt(1), want[0]);
            boolean nulls = want[1] == null;
            check(row + "INT getObject", rs.getObject(2), want[1]);
            check(row + "BIGINT getObject", rs.getObject(3), want[2]);
            check(row + "DECIMAL getBigDecimal", rs.getBigDecimal(4), want[3]);
            check(row + "DOUBLE getObject", rs.getObject(5), want[4]);
            check(row + "VARCHAR getString", rs.getString(6), want[5]);
            check(row + "DATE as LocalDate", rs.getObject(7, LocalDate.class), want[6]);
            check(row + "DATETIME as LocalDateTime", rs.getObject(8, LocalDateTime.class), want[7]);
            check(row + "DATETIME(6) as LocalDateTime", rs.getObject(9, LocalDateTime.class), want[8]);
            check(row + "TIMESTAMP(3) getTimestamp", rs.getTimestamp(10),
                    nulls ? null : Timestamp.valueOf((LocalDateTime) want[9]));
            check(row + "BLOB getBytes", rs.getBytes(11), want[10]);
            if (nulls) {
                check(row + "getInt of NULL is 0, wasNull", rs.getInt(2) + " " + rs.wasNull(), "0 true");
            } else {
                check(row + "getLong of INT", rs.getLong(2), ((Integer) want[1]).longValue());
                check(row + "getString of DECIMAL", rs.getString(4), want[3].toString());
                check(row + "getDouble", rs.getDouble(5), want[4]);
            }
        }
        check(mode + ": row count", n, ROWS.length);
    }

    static void expectError(Statement st, String name, int code, String state, Class<?> cls, String sql) {
        try {
            st.execute(sql);
        } catch (SQLException e) {
            check(name + ": error code", e.getErrorCode(), code);
            check(name + ": SQLSTATE", e.getSQLState(), state);
            check(name + ": exception class " + cls.getSimpleName(), cls.isInstance(e), true);
            return;
        }
        System.out.println("FAIL: " + name + ": expected error " + code + ", the statement succeeded");
        failures.add(name);
    }

    static void jsonRoundTrip(Connection c) throws SQLException {
        try (Statement st = c.createStatement()) {
            try {
                st.execute("CREATE TABLE docs (id INT PRIMARY KEY, doc JSON)");
            } catch (SQLException e) {
                if (e.getErrorCode() == 1235) {
                    System.out.println("skip: JSON: the server has no JSON type (" + e.getErrorCode() + ": "
                            + e.getMessage() + ")");
                    return;
                }
                throw e;
            }
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO docs VALUES (?, ?)")) {
                ps.setInt(1, 1);
                ps.setString(2, "{\"a\": [1, 2.5, \"ü\"], \"b\": null}");
                ps.executeUpdate();
            }
            try (ResultSet rs = st.executeQuery("SELECT doc FROM docs")) {
                rs.next();
                check("JSON round-trips (MySQL's normalized text)", rs.getString(1), "{\"a\": [1, 2.5, \"ü\"], \"b\": null}");
            }
        }
    }

    static void run(boolean serverPrep) throws SQLException {
        String mode = serverPrep ? "server prepared" : "client prepared";
        String db = serverPrep ? "smoke_cj_server" : "smoke_cj_client";
        try (Connection setup = connect("", false); Statement st = setup.createStatement()) {
            st.execute("DROP DATABASE IF EXISTS " + db);
            st.execute("CREATE DATABASE " + db);
        }
        try (Connection c = connect(db, serverPrep); Statement st = c.createStatement()) {
            check(mode + ": product name", c.getMetaData().getDatabaseProductName(), "MySQL");
            st.execute("CREATE TABLE typed (id INT PRIMARY KEY, i INT, b BIGINT, d DECIMAL(15,3), f DOUBLE,"
                    + " s VARCHAR(40), dt DATE, dtm DATETIME, dtm6 DATETIME(6), ts TIMESTAMP(3) NULL, bl BLOB)");
            insertRows(c, mode);

            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT " + String.join(", ", COLUMNS) + " FROM typed WHERE id >= ? ORDER BY id")) {
                ps.setInt(1, 1);
                try (ResultSet rs = ps.executeQuery()) {
                    checkRows(mode, rs);
                }
            }
            try (ResultSet rs = st.executeQuery("SELECT " + String.join(", ", COLUMNS) + " FROM typed ORDER BY id")) {
                checkRows(mode + ", Statement", rs);
            }

            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT id FROM typed WHERE s = ? AND d = ? AND b = ? AND bl = ? AND dtm6 = ?")) {
                ps.setString(1, TEXT);
                ps.setBigDecimal(2, new BigDecimal("-123456789012.345"));
                ps.setLong(3, Long.MAX_VALUE);
                ps.setBytes(4, BLOB);
                ps.setObject(5, ROWS[0][8], Types.TIMESTAMP);
                try (ResultSet rs = ps.executeQuery()) {
                    check(mode + ": typed parameters in WHERE", rs.next() ? rs.getInt(1) : -1, 1);
                }
            }
            try (ResultSet rs = st.executeQuery(
                    "SELECT LENGTH(bl), HEX(SUBSTRING(bl, 255, 4)), CHAR_LENGTH(s) FROM typed WHERE id = 1")) {
                rs.next();
                check(mode + ": server sees the bytes and characters sent",
                        rs.getInt(1) + " " + rs.getString(2) + " " + rs.getInt(3), "259 FEFF00FF 13");
            }

            if (serverPrep) jsonRoundTrip(c);

            // Transactions.
            try (Connection other = connect(db, serverPrep); Statement ost = other.createStatement()) {
                c.setAutoCommit(false);
                st.executeUpdate("INSERT INTO typed (id, s) VALUES (10, 'rolled back')");
                c.rollback();
                try (ResultSet rs = st.executeQuery("SELECT COUNT(*) FROM typed WHERE id = 10")) {
                    rs.next();
                    check(mode + ": rollback removes the row", rs.getLong(1), 0L);
                }
                try (PreparedStatement ps = c.prepareStatement("INSERT INTO typed (id, s) VALUES (?, ?)")) {
                    ps.setInt(1, 11);
                    ps.setString(2, "committed");
                    ps.executeUpdate();
                }
                try (ResultSet rs = ost.executeQuery("SELECT COUNT(*) FROM typed WHERE id = 11")) {
                    rs.next();
                    check(mode + ": another connection does not see an uncommitted row", rs.getLong(1), 0L);
                }
                c.commit();
                c.setAutoCommit(true);
                try (ResultSet rs = ost.executeQuery("SELECT s FROM typed WHERE id = 11")) {
                    check(mode + ": another connection sees the committed row", rs.next() ? rs.getString(1) : null,
                            "committed");
                }
            }

            // Errors.
            expectError(st, mode + ": duplicate key", 1062, "23000", SQLIntegrityConstraintViolationException.class,
                    "INSERT INTO typed (id) VALUES (1)");
            expectError(st, mode + ": unknown table", 1146, "42S02", SQLSyntaxErrorException.class,
                    "SELECT * FROM no_such_table");
            expectError(st, mode + ": syntax error", 1064, "42000", SQLSyntaxErrorException.class, "SELEC 1");
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO typed (id) VALUES (?)")) {
                ps.setInt(1, 2);
                ps.executeUpdate();
                System.out.println("FAIL: " + mode + ": prepared duplicate key: the statement succeeded");
                failures.add(mode + ": prepared duplicate key");
            } catch (SQLException e) {
                check(mode + ": prepared duplicate key: code and state", e.getErrorCode() + " " + e.getSQLState(),
                        "1062 23000");
            }
            try (ResultSet rs = st.executeQuery("SELECT COUNT(*) FROM typed")) {
                rs.next();
                check(mode + ": usable after errors", rs.getLong(1), 4L);
            }
            st.execute("DROP DATABASE " + db);
        }
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 2) {
            System.err.println("usage: ConnectorJTest HOST PORT");
            System.exit(2);
        }
        host = args[0];
        port = Integer.parseInt(args[1]);
        try (Connection c = connect("", true)) {
            System.out.println("connected: server " + c.getMetaData().getDatabaseProductVersion() + ", driver "
                    + c.getMetaData().getDriverName() + " " + c.getMetaData().getDriverVersion());
        }
        run(true);
        run(false);
        if (!failures.isEmpty()) {
            System.out.println("ConnectorJTest: " + failures.size() + " check(s) failed");
            System.exit(1);
        }
        System.out.println("ConnectorJTest: all checks passed");
    }
}
