package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"time"

	"github.com/airtight/airtight"
)

// querier is what reads need; both *DB (the pool) and *Tx provide it, so a
// finder runs alike inside and outside a transaction.
type querier interface {
	query(ctx context.Context, q string, args ...any) (*sql.Rows, error)
	queryRow(ctx context.Context, q string, args ...any) *sql.Row
}

// notFound is the error for a record that does not exist or belongs to
// another organization: the two are never told apart.
func notFound(what string) error {
	return airtight.Errorf(airtight.ENotFound, "%s not found", what)
}

// conflict returns a conflict error with a user-safe message.
func conflict(format string, args ...any) error {
	return airtight.Errorf(airtight.EConflict, format, args...)
}

// badRef reports an input field that references a record the actor's
// organization does not have.
func badRef(field, msg string) error {
	return &airtight.Error{Code: airtight.EInvalid, Message: field + ": " + msg,
		Details: []airtight.Detail{{Field: field, Message: msg}}}
}

// key is the case-insensitive form of a name, for uniqueness.
func key(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// fields is an audit summary: field names and non-secret values.
type fields map[string]any

// changes returns the entries of before and after whose values differ, so
// that an audit summary lists changed fields only.
func changes(before, after fields) (fields, fields) {
	b, a := fields{}, fields{}
	for k, v := range after {
		if !reflect.DeepEqual(before[k], v) {
			b[k], a[k] = before[k], v
		}
	}
	return b, a
}

// nonEmpty drops zero values, for the summary of a created record.
func nonEmpty(f fields) fields {
	out := fields{}
	for k, v := range f {
		if v != nil && !reflect.ValueOf(v).IsZero() {
			out[k] = v
		}
	}
	return out
}

// auditTime renders an optional time for a summary.
func auditTime(t *time.Time) any {
	if t == nil || t.IsZero() {
		return nil
	}
	return t.UTC().Format(time.RFC3339Nano)
}

// conds collects the WHERE conditions of a query with their arguments.
type conds struct {
	sql  []string
	args []any
}

func (c *conds) add(cond string, args ...any) {
	c.sql = append(c.sql, cond)
	c.args = append(c.args, args...)
}

func (c *conds) where() string {
	if len(c.sql) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(c.sql, " AND ")
}

// count runs a COUNT query and returns its result.
func count(ctx context.Context, q querier, query string, args ...any) (int, error) {
	var n int
	err := q.queryRow(ctx, query, args...).Scan(&n)
	return n, err
}

// collect scans every row with scan and closes rows. It returns an empty,
// non-nil slice when there are none, so that JSON shows [] rather than null.
func collect[T any](rows *sql.Rows, scan func(scanner) (*T, error)) ([]*T, error) {
	defer rows.Close()
	out := []*T{}
	for rows.Next() {
		x, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, x)
	}
	return out, rows.Err()
}

// queryAll runs a query and scans every row, wrapping errors with what.
func queryAll[T any](ctx context.Context, q querier, what string, scan func(scanner) (*T, error), query string, args ...any) ([]*T, error) {
	rows, err := q.query(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	out, err := collect(rows, scan)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	return out, nil
}

// queryOne runs a single-row query and scans it: notFound when there is no
// row, other errors wrapped with what.
func queryOne[T any](ctx context.Context, q querier, notFound error, what string, scan func(scanner) (*T, error), query string, args ...any) (*T, error) {
	x, err := scan(q.queryRow(ctx, query, args...))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound
	} else if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	return x, nil
}
