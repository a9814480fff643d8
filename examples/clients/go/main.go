// pat from Go through mattn/go-sqlite3 (Debian:
// golang-github-mattn-go-sqlite3-dev), which loads extensions named in its
// driver's Extensions option on every connection it opens.
//
//	GO111MODULE=off GOPATH=/usr/share/gocode go build -tags libsqlite3 -o dist/go-client ./examples/clients/go
//	dist/go-client dist/pat
package main

import (
	"database/sql"
	"fmt"
	"os"

	"github.com/mattn/go-sqlite3"
)

func main() {
	ext := "dist/pat"
	if len(os.Args) > 1 {
		ext = os.Args[1]
	}
	sql.Register("sqlite3_pat", &sqlite3.SQLiteDriver{Extensions: []string{ext}})
	db, err := sql.Open("sqlite3_pat", ":memory:")
	if err != nil {
		fail(err)
	}
	defer db.Close()
	// One connection: each connection of the pool would be its own :memory: database.
	db.SetMaxOpenConns(1)

	var token, version string
	var id, fetch, del, count int64
	must(db.QueryRow("SELECT pat_create('alice', 'go', 'DATA_FETCH')").Scan(&token))
	must(db.QueryRow("SELECT pat_version()").Scan(&version))
	must(db.QueryRow("SELECT pat_verify(?)", "Bearer "+token).Scan(&id))
	must(db.QueryRow("SELECT pat_has_right(?, 'DATA_FETCH')", token).Scan(&fetch))
	must(db.QueryRow("SELECT pat_has_right(?, 'USER_DELETE')", token).Scan(&del))
	must(db.QueryRow("SELECT count(*) FROM pat_tokens").Scan(&count))
	fmt.Printf("version %s\nverify %d\nhas_right DATA_FETCH %d\nhas_right USER_DELETE %d\ntokens %d\n",
		version, id, fetch, del, count)
}

func must(err error) {
	if err != nil {
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, err)
	os.Exit(1)
}
