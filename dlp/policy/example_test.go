package policy_test

import (
	"fmt"

	"github.com/airtight/airtight/dlp"
	"github.com/airtight/airtight/dlp/policy"
)

func ExampleLoad() {
	p, err := policy.Load("testdata/example.yaml")
	if err != nil {
		fmt.Println(err)
		return
	}
	report := &dlp.Report{Findings: []dlp.Located{
		{Finding: dlp.Finding{Type: dlp.Name}}, {Finding: dlp.Finding{Type: dlp.Name}},
		{Finding: dlp.Finding{Type: dlp.Name}}, {Finding: dlp.Finding{Type: dlp.SSN}},
	}}
	dst := p.Destination(dlp.ChannelSMTP, "dr.who@hospital.example", []string{"someone@gmail.example"}, "")
	d := p.Decide(report, dst)
	fmt.Println(d.Action)
	fmt.Println(d.Reason)
	// Output:
	// block
	// 3 NAME, 1 SSN to an external recipient: rule 'ssn-external'
}
