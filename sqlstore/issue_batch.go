package sqlstore

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/airtight/airtight"
	"github.com/airtight/airtight/pki"
)

// Group commit for certificate issuance. Concurrent issuances (EST under
// load) share one transaction, each inside its own savepoint: one refusal
// (a token spent meanwhile, a serial conflict) rolls back only that
// issuance, and the commit, the most expensive part of a small write, is
// paid once per batch. A lone issuance runs at once: the queue never waits
// for company, it takes whatever queued up while the previous batch ran.

// issuance is one certificate to record, with the token to spend if any.
type issuance struct {
	ctx    context.Context
	actor  *airtight.Actor
	cert   *pki.Certificate
	serial string // validated, stored form
	token  string // enrollment token hash; "" for none
	done   chan error
}

type issueQueue struct {
	once   sync.Once
	closed sync.Once
	ch     chan *issuance
	stop   chan struct{} // closed by Close
	exited chan struct{} // closed when the loop has answered everything it took
}

var errStoreClosed = fmt.Errorf("record certificate: the store is closed")

const maxIssueBatch = 64

// recordIssuance queues it and waits for its result. The wait does not
// stop when ctx ends: the certificate may already be committed, and the
// caller must learn whether it was.
func (d *DB) recordIssuance(it *issuance) error {
	q := &d.issues
	q.once.Do(func() {
		q.ch, q.stop, q.exited = make(chan *issuance, 4*maxIssueBatch), make(chan struct{}), make(chan struct{})
		go d.issueLoop()
	})
	it.done = make(chan error, 1)
	select {
	case q.ch <- it:
	case <-q.stop:
		return errStoreClosed
	case <-it.ctx.Done():
		return it.ctx.Err()
	}
	select {
	case err := <-it.done:
		return err
	case <-q.exited:
		select { // answered just before the loop ended, or never taken
		case err := <-it.done:
			return err
		default:
			return errStoreClosed
		}
	}
}

func (d *DB) issueLoop() {
	q := &d.issues
	defer close(q.exited)
	for {
		var first *issuance
		select {
		case first = <-q.ch:
		case <-q.stop:
			q.refuseQueued()
			return
		}
		batch := []*issuance{first}
	drain:
		for len(batch) < maxIssueBatch {
			select {
			case it := <-q.ch:
				batch = append(batch, it)
			default:
				break drain
			}
		}
		d.runIssueBatch(batch)
	}
}

// refuseQueued answers the issuances still queued when the store closes:
// none of them was recorded.
func (q *issueQueue) refuseQueued() {
	for {
		select {
		case it := <-q.ch:
			it.done <- errStoreClosed
		default:
			return
		}
	}
}

// stopIssueLoop ends the queue's goroutine after its current batch (Close).
func (d *DB) stopIssueLoop() {
	q := &d.issues
	q.once.Do(func() {}) // a queue never started stays unstarted
	if q.stop == nil {
		return
	}
	q.closed.Do(func() { close(q.stop) })
	<-q.exited
}

// runIssueBatch records the batch in one transaction and answers each
// issuance with its own result.
func (d *DB) runIssueBatch(batch []*issuance) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	errs := make([]error, len(batch))
	err := d.withTx(ctx, func(tx *Tx) error {
		for i, it := range batch {
			if it.ctx.Err() != nil {
				errs[i] = it.ctx.Err()
				continue
			}
			var txErr error
			if errs[i], txErr = tx.inSavepoint(ctx, func() error { return tx.issueOne(it) }); txErr != nil {
				return txErr
			}
		}
		return nil
	})
	for i, it := range batch {
		if err != nil {
			it.done <- err
		} else {
			it.done <- errs[i]
		}
	}
}

// inSavepoint runs fn inside a savepoint and rolls back to it when fn
// fails; itemErr is fn's error, txErr a failure of the savepoint itself
// (the transaction is then unusable).
func (t *Tx) inSavepoint(ctx context.Context, fn func() error) (itemErr, txErr error) {
	if _, err := t.exec(ctx, `SAVEPOINT issuance`); err != nil {
		return nil, fmt.Errorf("savepoint: %w", err)
	}
	if itemErr = fn(); itemErr != nil {
		if _, err := t.exec(ctx, `ROLLBACK TO SAVEPOINT issuance`); err != nil {
			return itemErr, fmt.Errorf("rollback to savepoint: %w", err)
		}
	}
	if _, err := t.exec(ctx, `RELEASE SAVEPOINT issuance`); err != nil {
		return itemErr, fmt.Errorf("release savepoint: %w", err)
	}
	return itemErr, nil
}

// issueOne spends the issuance's token, if any, and records its certificate.
func (t *Tx) issueOne(it *issuance) error {
	if it.token != "" {
		tok, err := t.spendToken(it.ctx, it.token)
		if err != nil {
			return err
		}
		if tok.OrgID != it.actor.OrgID {
			return errBadEnrollment()
		}
	}
	return t.createCertificate(it.ctx, it.actor, certRefs{}, it.cert, it.serial)
}
