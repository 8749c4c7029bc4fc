package syslog

import (
	"regexp"
	"testing"

	"github.com/airtight/airtight/detect"
)

// benchLines is a mix of what a hospital syslog receiver sees.
func benchLines() []string {
	return []string{
		"<38>Nov 14 22:35:13 ehr-app01 sshd[23014]: Failed password for root from 10.20.9.77 port 50130 ssh2",
		"<38>Nov 14 22:35:14 ehr-app01 sshd[23015]: Accepted publickey for alice from 10.20.9.8 port 50131 ssh2: RSA 01:02",
		"<86>Nov 14 22:35:20 ehr-app01 sudo: clinician1 : TTY=pts/0 ; PWD=/home/clinician1 ; USER=root ; COMMAND=/bin/ls",
		"<30>Nov 14 22:35:21 ehr-app01 systemd[1]: Started Session 42 of user clinician1.",
		"<134>Nov 14 22:31:02 fw01 filterlog: DENY tcp 10.20.40.17:51515 -> 198.51.100.23:443 zone MED-DEVICES->INTERNET",
		`<13>1 2023-11-14T22:35:00.000Z ws-rad-07 Microsoft-Windows-Security-Auditing - 4625 [win@32473 TargetUserName="administrator" IpAddress="10.20.9.77" LogonType="3" Status="0xC000006D"] An account failed to log on.`,
		`<34>1 2023-11-14T22:13:20.003Z pacs01 pacsd 2211 DICOM-ASSOC [dicom@32473 calling="CT_SCANNER01" called="PACS_MAIN" peer="10.20.1.21" result="accepted"] association accepted`,
		"<14>1 2023-11-14T22:42:00.000Z app01 nginx 77 - - GET /index.html 200",
	}
}

func benchmarkParser(b *testing.B, parse func([]byte) (*detect.Event, error)) {
	lines := benchLines()
	msgs := make([][]byte, len(lines))
	var size int
	for i, l := range lines {
		msgs[i] = []byte(l)
		size += len(l)
	}
	b.SetBytes(int64(size / len(lines)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := parse(msgs[i%len(msgs)]); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkParse measures the full parser (header, structured data and
// producer mapping) against a naive regexp baseline that only splits the
// header, in the same run.
func BenchmarkParse(b *testing.B) {
	b.Run("go-syslog+mapping", func(b *testing.B) {
		p := NewParser(Options{})
		benchmarkParser(b, p.Parse)
	})
	b.Run("regexp-baseline", func(b *testing.B) {
		benchmarkParser(b, naiveParse)
	})
}

var (
	naive3164 = regexp.MustCompile(`^<(\d{1,3})>(\w{3} [ \d]\d \d\d:\d\d:\d\d) (\S+) ([^:\[\s]+)(?:\[(\d+)\])?: ?(.*)$`)
	naive5424 = regexp.MustCompile(`^<(\d{1,3})>1 (\S+) (\S+) (\S+) (\S+) (\S+) (-|\[.*?\])(?: (.*))?$`)
)

// naiveParse is the baseline: header fields by regular expression, no
// structured data, no producers.
func naiveParse(msg []byte) (*detect.Event, error) {
	e := &detect.Event{Class: detect.ClassLog, Source: Source, Fields: map[string]string{}}
	if m := naive5424.FindSubmatch(msg); m != nil {
		e.Host, e.Product, e.Message = string(m[3]), string(m[4]), string(m[8])
		return e, nil
	}
	if m := naive3164.FindSubmatch(msg); m != nil {
		e.Host, e.Product, e.Message = string(m[3]), string(m[4]), string(m[6])
		return e, nil
	}
	return nil, ErrNotSyslog
}
