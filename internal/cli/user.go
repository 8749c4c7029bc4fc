package cli

import (
	"bufio"
	"context"
	"crypto/rand"
	"fmt"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/airtight/airtight"
	"github.com/airtight/airtight/auth"
	"github.com/airtight/airtight/auth/argon2id"
	"github.com/airtight/airtight/sqlstore"
)

func (e *env) userCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "user", Short: "Manage dashboard user accounts"}
	cmd.AddCommand(e.userAddCommand(), e.userListCommand(), e.userPasswdCommand(), e.userDisableCommand())
	return cmd
}

func (e *env) userAddCommand() *cobra.Command {
	c := &cobra.Command{
		Use:   "add",
		Short: "Add a user; prints a generated password once unless --password-stdin",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			u := &auth.User{}
			u.Email, _ = cmd.Flags().GetString("email")
			u.Name, _ = cmd.Flags().GetString("name")
			role, _ := cmd.Flags().GetString("role")
			u.Role = airtight.Role(role)
			return e.withStore(cmd, func(ctx context.Context, db *sqlstore.DB) error {
				ctx, _, err := asOrg(ctx, cmd, db)
				if err != nil {
					return err
				}
				pw, shown, err := e.password(cmd)
				if err != nil {
					return err
				}
				if u.PasswordHash, err = argon2id.Hash(pw, argon2id.Default); err != nil {
					return err
				}
				if err := db.CreateUser(ctx, u); err != nil {
					return err
				}
				fmt.Fprintf(e.stdout, "created user %d %s (%s)\n", u.ID, u.Email, u.Role)
				if shown {
					fmt.Fprintf(e.stdout, "password (shown once): %s\n", pw)
				}
				return nil
			})
		},
	}
	addOrgFlag(c)
	c.Flags().String("email", "", "login e-mail address")
	c.Flags().String("name", "", "display name")
	c.Flags().String("role", "", "admin, analyst, biomed, auditor or device")
	c.Flags().Bool("password-stdin", false, "read the password from standard input")
	return c
}

// password reads a password from stdin (--password-stdin) or generates one;
// shown reports whether it was generated and must be printed.
func (e *env) password(cmd *cobra.Command) (pw string, shown bool, err error) {
	if fromStdin, _ := cmd.Flags().GetBool("password-stdin"); fromStdin {
		line, err := bufio.NewReader(e.stdin).ReadString('\n')
		if err != nil && line == "" {
			return "", false, airtight.Errorf(airtight.EInvalid, "no password on standard input")
		}
		pw = strings.TrimRight(line, "\r\n")
		return pw, false, auth.CheckPassword(pw)
	}
	return RandomPassword(), true, nil
}

// RandomPassword returns a 20-character password from an unambiguous alphabet
// (about 114 bits).
func RandomPassword() string {
	const alphabet = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKMNPQRSTUVWXYZ23456789"
	return randomFrom(alphabet, 20)
}

func randomFrom(alphabet string, n int) string {
	b := make([]byte, n)
	buf := make([]byte, 1)
	for i := 0; i < n; {
		if _, err := rand.Read(buf); err != nil {
			panic(err)
		}
		if int(buf[0]) < 256-256%len(alphabet) { // no modulo bias
			b[i] = alphabet[int(buf[0])%len(alphabet)]
			i++
		}
	}
	return string(b)
}

func (e *env) userListCommand() *cobra.Command {
	c := &cobra.Command{
		Use:   "list",
		Short: "List an organization's users",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return e.withStore(cmd, func(ctx context.Context, db *sqlstore.DB) error {
				ctx, _, err := asOrg(ctx, cmd, db)
				if err != nil {
					return err
				}
				users, err := db.ListUsers(ctx)
				if err != nil {
					return err
				}
				rows := make([][]string, 0, len(users))
				for _, u := range users {
					state := "active"
					if u.DisabledAt != nil {
						state = "disabled"
					}
					rows = append(rows, []string{strconv.FormatInt(u.ID, 10), u.Email, u.Name, string(u.Role), state})
				}
				if users == nil {
					users = []*auth.User{}
				}
				return e.printData(cmd, users, []string{"ID", "EMAIL", "NAME", "ROLE", "STATE"}, rows)
			})
		},
	}
	addOrgFlag(c)
	addOutputFlag(c)
	return c
}

// userByEmail finds a user and returns ctx acting inside the user's organization.
func userByEmail(ctx context.Context, db *sqlstore.DB, email string) (context.Context, *auth.User, error) {
	u, err := db.FindUserByEmail(ctx, strings.ToLower(strings.TrimSpace(email)))
	if err != nil {
		return nil, nil, err
	}
	return airtight.NewContext(ctx, airtight.SystemActor(u.OrgID, cliActorName())), u, nil
}

func (e *env) userPasswdCommand() *cobra.Command {
	c := &cobra.Command{
		Use:   "passwd EMAIL",
		Short: "Set a user's password; prints a generated one once unless --password-stdin",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return e.withStore(cmd, func(ctx context.Context, db *sqlstore.DB) error {
				ctx, u, err := userByEmail(ctx, db, args[0])
				if err != nil {
					return err
				}
				pw, shown, err := e.password(cmd)
				if err != nil {
					return err
				}
				h, err := argon2id.Hash(pw, argon2id.Default)
				if err != nil {
					return err
				}
				if _, err := db.UpdateUser(ctx, u.ID, auth.UserUpdate{PasswordHash: &h}); err != nil {
					return err
				}
				fmt.Fprintf(e.stdout, "password changed for %s\n", u.Email)
				if shown {
					fmt.Fprintf(e.stdout, "password (shown once): %s\n", pw)
				}
				return nil
			})
		},
	}
	c.Flags().Bool("password-stdin", false, "read the password from standard input")
	return c
}

func (e *env) userDisableCommand() *cobra.Command {
	c := &cobra.Command{
		Use:   "disable EMAIL",
		Short: "Disable a user (ends their sessions); --enable to undo",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			enable, _ := cmd.Flags().GetBool("enable")
			return e.withStore(cmd, func(ctx context.Context, db *sqlstore.DB) error {
				ctx, u, err := userByEmail(ctx, db, args[0])
				if err != nil {
					return err
				}
				disabled := !enable
				if _, err := db.UpdateUser(ctx, u.ID, auth.UserUpdate{Disabled: &disabled}); err != nil {
					return err
				}
				fmt.Fprintf(e.stdout, "%s is now %s\n", u.Email, map[bool]string{true: "disabled", false: "enabled"}[disabled])
				return nil
			})
		},
	}
	c.Flags().Bool("enable", false, "enable the user again")
	return c
}
