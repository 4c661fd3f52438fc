// database connection for the worker
const { Pool } = require("pg");

const pool = new Pool({
  connectionString: "postgres://billing:SYBEldzFN1XdtXNMPq@db-1.billing.internal:5432/billing",
});

module.exports = pool;
