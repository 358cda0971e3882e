package main

import (
	"context"
	"database/sql"
	"strings"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver, for -db postgres://
	_ "modernc.org/sqlite"             // the "sqlite" driver, pure Go, for -db FILE

	"github.com/aterkoppling/minaarenden/watch"
	"github.com/aterkoppling/minaarenden/watch/sqlstore"
)

// openStore opens the store -db names: a postgres:// or postgresql:// URL
// is PostgreSQL, anything else a SQLite file (created when missing). The
// schema is brought up to date before it returns. close closes the
// database.
func openStore(ctx context.Context, dsn string) (store watch.Store, close func() error, err error) {
	driver, dialect := "sqlite", sqlstore.SQLite
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		driver, dialect = "pgx", sqlstore.PostgreSQL
	}
	db, err := sql.Open(driver, dsn)
	if err != nil {
		return nil, nil, failuref("-db: opening the %v database: %v", dialect, err)
	}
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, nil, failuref("-db: the %v database cannot be reached: %v", dialect, err)
	}
	st, err := sqlstore.New(ctx, db, dialect)
	if err != nil {
		db.Close()
		return nil, nil, failuref("-db: preparing the %v database (migrations): %v", dialect, err)
	}
	return st, db.Close, nil
}
