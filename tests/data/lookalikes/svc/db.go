package main

import "fmt"

func dsn(user, pass, host, db string) string {
	return fmt.Sprintf("%s:%s@tcp(%s)/%s?parseTime=true", user, pass, host, db)
}

const testDSN = "root:password@tcp(localhost:3306)/test"
const envDSN = "shop:${DB_PASSWORD}@tcp(db:3306)/shop"
