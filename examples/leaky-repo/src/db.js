// database connection for the worker
const { Pool } = require("pg");

const pool = new Pool({
  connectionString: "postgres://billing:SYBEldzFN1XdtXNMPq@db.internal.example.com:5432/billing",
});

module.exports = pool;
