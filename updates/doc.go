// Package updates publishes device software as a TUF repository (The
// Update Framework, through github.com/theupdateframework/go-tuf/v2) and
// checks it on the device, so that an update is installed only when it is
// signed, current, meant for that device and not a downgrade.
//
// # Roles and keys
//
// Every role has its own ed25519 key; no key is shared across roles,
// product lines or repositories, and devices hold no secret at all (only the
// public root.json).
//
//   - root: offline. Init writes its key to a file the operator keeps away
//     from the server (it may not be in the online key directory); it signs
//     only root.json, which names the keys of the other top-level roles.
//     Expires after 1 year by default.
//   - targets: online; signs nothing but delegations: one role per product
//     line (e.g. "acme-infusion-pumps"), for the paths "<line>/*", marked
//     terminating so no other role can answer for those paths. 90 days.
//   - one delegated role per product line, with its own key: signs the
//     images of that line. A leaked key of one line cannot sign another's.
//     90 days.
//   - snapshot (7 days) and timestamp (1 day): online, re-signed on every
//     publish and by Refresh, which should run from a timer.
//
// Private keys are PKCS #8 PEM files of mode 0600 (in a 0700 directory);
// files others can read are refused, key files are never overwritten, and
// nothing prints or logs key material. Publish re-verifies every signature
// on disk before it re-signs anything, so metadata changed behind the
// server's back is not laundered into a new signature. The repository uses
// consistent snapshots: every metadata version and every image is a new
// file (images named by their SHA-256), only timestamp.json is replaced, by
// rename, so devices never see a half-published state.
//
// # What a target carries
//
// TUF signs each image's length and SHA-256. The product line's key also
// signs custom metadata (TargetMeta): product line, model, version, the
// minimum installed version it may be applied to (the rollback floor) and
// the release date. Versions are dotted numbers (4.2.0) so ordering is
// unambiguous. Published targets are immutable: a name or a version already
// published is refused.
//
// # What the device checks (Verify)
//
// Verify runs the TUF client workflow of go-tuf's updater against an HTTP(S)
// URL or a directory (a mirror on an isolated network) and refuses, each
// with a reason (an *airtight.Error with code EForbidden, matching one of
// the Err* values with errors.Is):
//   - metadata not signed by the keys the trusted root names (ErrBadSignature);
//   - metadata older than what the device already trusts — it keeps the
//     newest verified metadata in its own directory between runs — or not
//     matching what the snapshot and timestamp pin (ErrRollback, ErrTampered);
//   - expired metadata, by the device's clock (ErrExpired);
//   - a target not signed by its product line's delegated key, including one
//     placed in the top-level targets role or in another line (ErrNotDelegated);
//   - release metadata it does not understand: unknown fields are refused,
//     failing closed (ErrBadMetadata);
//   - a model other than the device's, when it names one (ErrWrongModel);
//   - a version lower than the installed one, or an installed version below
//     the target's floor (ErrDowngrade); the same version is allowed (reinstall);
//   - a file whose length or hashes differ from the signed ones (ErrTampered),
//     hashed as a stream so large images need not fit in memory.
//
// cmd/airtight-update-verify is the same check as a small standalone binary
// for a device's update agent.
//
// # Not done
//
//   - Root rotation and key revocation: the code to sign a new root.json with
//     the offline key (and old plus new keys, as TUF requires) is not written;
//     devices already follow root versions 2, 3, ... when they appear.
//     The CLI warns when the root is within 30 days of expiry.
//   - Thresholds above one signature, and keys in an HSM: every role has one
//     ed25519 key file; the CA's key-signer interface could hold them later.
//   - Concurrent publishers to one repository are not locked against each
//     other; run one publisher per repository.
//   - The version a device last installed is the caller's to keep: Verify
//     compares against the installed version it is given.
//   - In-toto/DSSE attestations alongside targets, and audit entries in the
//     platform's store for each publish.
package updates
