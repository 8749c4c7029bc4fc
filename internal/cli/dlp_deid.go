package cli

import (
	"bytes"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/airtight/airtight/dlp"
	"github.com/airtight/airtight/dlp/deid"
	"github.com/airtight/airtight/dlp/dicom"
	"github.com/airtight/airtight/dlp/fhir"
	"github.com/airtight/airtight/dlp/hl7"
)

const deidKeyHelp = `Surrogates (fake names, shifted dates, new UIDs) are keyed hashes under a
secret key, so the same patient gets the same surrogates in every file and
every run that uses the same key. --key-file names it; by default it is
deid.key in the data directory, created (32 random bytes, mode 0600) on
first use. Keep it secret: with it, surrogates can be linked back by
anyone who also holds the originals.`

func addKeyFlag(cmd *cobra.Command) {
	cmd.Flags().String("key-file", "", "secret key of the surrogates (default: <data>/deid.key, created on first use)")
}

// surrogates loads (or creates) the key and returns surrogates under it.
func (e *env) surrogates(cmd *cobra.Command, mode deid.Mode) (*deid.Surrogates, error) {
	path, _ := cmd.Flags().GetString("key-file")
	if path == "" {
		c, err := e.config(cmd)
		if err != nil {
			return nil, err
		}
		path = filepath.Join(c.Data, "deid.key")
	}
	key, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		key, err = newKeyFile(path)
	}
	if err != nil {
		return nil, fmt.Errorf("surrogate key: %w", err)
	}
	return deid.NewSurrogates(bytes.TrimSpace(key), mode)
}

func newKeyFile(path string) ([]byte, error) {
	key := make([]byte, 32)
	rand.Read(key)
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, err
	}
	if _, err := f.Write(key); err != nil {
		f.Close()
		return nil, err
	}
	return key, f.Close()
}

func (e *env) dlpRedactCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "redact [flags] FILE|-",
		Short: "De-identify text, an HL7 v2 message or a FHIR document",
		Long: `Replace the PHI in one file (or standard input) and write the result to
standard output or --out. HL7 v2 and FHIR JSON are recognised by content and
rewritten field by field, staying valid; anything else is free text.

--mode surrogate (default) puts consistent fake values in place: the same
name becomes the same fake name across a document set, dates shift by a
per-patient offset, identifiers keep their shape. --mode safe-harbor
replaces each identifier with its type in brackets ([NAME], [DATE]).

The output is checked before it is written: none of the identifiers found
in the input may remain in it. On failure nothing is written and the exit
status is 1.

` + deidKeyHelp,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error { return withStatus(e.dlpRedact(cmd, args[0])) },
	}
	cmd.Flags().String("mode", "surrogate", "surrogate or safe-harbor")
	cmd.Flags().StringP("out", "O", "", "output file (default: standard output)")
	addKeyFlag(cmd)
	return cmd
}

func (e *env) dlpRedact(cmd *cobra.Command, path string) error {
	mode, _ := cmd.Flags().GetString("mode")
	m := map[string]deid.Mode{"surrogate": deid.ModeSurrogate, "safe-harbor": deid.ModeSafeHarbor}[mode]
	if mode != "surrogate" && mode != "safe-harbor" {
		return fmt.Errorf("--mode must be surrogate or safe-harbor")
	}
	s, err := e.surrogates(cmd, m)
	if err != nil {
		return err
	}
	in, err := e.readAllInput(path)
	if err != nil {
		return err
	}
	eng, err := dlp.New(dlp.Options{})
	if err != nil {
		return err
	}
	out, err := redactContent(in, eng, s)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if err := verifyRedacted(in, out, eng); err != nil {
		return &exitStatusError{status: exitFindings, err: fmt.Errorf("%s: %w", path, err)}
	}
	return e.writeOutput(cmd, out)
}

func (e *env) readAllInput(path string) ([]byte, error) {
	r, err := e.openInput(path)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	b, err := io.ReadAll(io.LimitReader(r, maxScanSize+1))
	if err != nil {
		return nil, err
	}
	if len(b) > maxScanSize {
		return nil, fmt.Errorf("%s: larger than %d bytes", path, maxScanSize)
	}
	return b, nil
}

func redactContent(in []byte, eng *dlp.Engine, s *deid.Surrogates) ([]byte, error) {
	switch {
	case hl7.Detect(in):
		return deid.HL7(in, eng, s)
	case fhir.Detect(in):
		return deid.FHIR(in, eng, s)
	}
	return deid.Text(in, eng.Scan(in), s), nil
}

// verifyRedacted checks that no identifier found in the input (by the
// format's own scanner; of four bytes or more: shorter ones, such as
// initials or a day number, recur by chance) is still in the output. The
// error names counts, never values.
func verifyRedacted(in, out []byte, eng *dlp.Engine) error {
	found, err := inputFindings(in, eng)
	if err != nil {
		return err
	}
	left := 0
	seen := map[string]bool{}
	for _, f := range found {
		v := string(in[f.Start:f.End])
		if len(v) < 4 || seen[v] {
			continue
		}
		seen[v] = true
		if bytes.Contains(out, []byte(v)) {
			left++
		}
	}
	if left > 0 {
		return fmt.Errorf("de-identification check failed: %d of %d identifiers found in the input are still in the output", left, len(seen))
	}
	return nil
}

func inputFindings(in []byte, eng *dlp.Engine) ([]dlp.Finding, error) {
	var out []dlp.Finding
	switch {
	case hl7.Detect(in):
		fs, err := hl7.Scan(in, eng)
		for _, f := range fs {
			out = append(out, f.Finding)
		}
		return out, err
	case fhir.Detect(in):
		fs, err := fhir.Scan(in, eng)
		for _, f := range fs {
			out = append(out, f.Finding)
		}
		return out, err
	}
	return eng.Scan(in), nil
}

func (e *env) writeOutput(cmd *cobra.Command, data []byte) error {
	out, _ := cmd.Flags().GetString("out")
	if out == "" {
		_, err := e.stdout.Write(data)
		return err
	}
	return writeFileAtomic(out, data)
}

// writeFileAtomic writes through a temporary file and a rename, so that a
// failure never leaves half a file under the name.
func writeFileAtomic(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".airtight-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

func (e *env) dlpDeidDICOMCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "deid-dicom [flags] IN OUT",
		Short: "De-identify a DICOM file (PS3.15 Annex E Basic Profile)",
		Long: `De-identify a DICOM Part 10 file per the Basic Application Level
Confidentiality Profile of DICOM PS3.15 Annex E: patient, physician,
institution and device identifying attributes are removed, emptied or
replaced; UIDs are replaced consistently; private attributes are removed.
Options add the profile's "Retain Longitudinal Temporal Information with
Modified Dates" (dates shifted per patient) and "Retain Patient
Characteristics". Files whose pixel data carries burned-in annotation are
refused unless --allow-burned-in.

The output is written through a temporary file and re-scanned; a summary
(counts only) goes to standard error.

` + deidKeyHelp,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			return withStatus(e.dlpDeidDICOM(cmd, args[0], args[1]))
		},
	}
	f := cmd.Flags()
	f.Bool("longitudinal-dates", false, "shift dates by a per-patient offset instead of removing them")
	f.Bool("keep-characteristics", false, "keep sex, age (over 89 as 090Y), size and weight")
	f.Bool("pseudonymize", false, "give PatientName and PatientID consistent surrogates instead of emptying them")
	f.Bool("allow-burned-in", false, "de-identify even when the pixel data carries burned-in text (it is copied as it is)")
	addKeyFlag(cmd)
	return cmd
}

func (e *env) dlpDeidDICOM(cmd *cobra.Command, inPath, outPath string) error {
	s, err := e.surrogates(cmd, deid.ModeSurrogate)
	if err != nil {
		return err
	}
	f := cmd.Flags()
	opts := dicom.DeidOptions{Surrogates: s}
	opts.RetainLongitudinalDates, _ = f.GetBool("longitudinal-dates")
	opts.RetainPatientCharacteristics, _ = f.GetBool("keep-characteristics")
	opts.PseudonymizePatient, _ = f.GetBool("pseudonymize")
	opts.AllowBurnedIn, _ = f.GetBool("allow-burned-in")
	in, err := os.Open(inPath)
	if err != nil {
		return err
	}
	defer in.Close()
	var buf bytes.Buffer
	sum, err := dicom.Deidentify(in, &buf, opts)
	if err != nil {
		return fmt.Errorf("%s: %w", inPath, err)
	}
	if err := writeFileAtomic(outPath, buf.Bytes()); err != nil {
		return err
	}
	fmt.Fprintf(e.stderr, "%s: %d attributes removed (%d private), %d emptied, %d dummy values, %d UIDs replaced, %d dates shifted; methods %v\n",
		outPath, sum.Removed, sum.PrivateRemoved, sum.Emptied, sum.Dummies, sum.UIDs, sum.DatesShifted, sum.Methods)
	return nil
}
