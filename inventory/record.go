package inventory

// Record is one device as it travels in CSV files and imports: the device
// with its manufacturer, model and version given by name. An import creates
// missing manufacturers, products and versions.
type Record struct {
	Line int // the CSV line the record came from (0 when not from a file)

	Manufacturer   string
	Model          string
	Kind           Kind
	FDAProductCode string
	Criticality    Criticality
	Version        string

	Device Device // product version fields are ignored
}

// Validate checks the record's product and device fields.
func (r *Record) Validate() error {
	if err := checkText("manufacturer", r.Manufacturer, true, maxName); err != nil {
		return err
	}
	if r.Version == "" {
		r.Version = UnknownVersion
	}
	p := Product{ManufacturerID: -1, Model: r.Model, Kind: r.Kind, FDAProductCode: r.FDAProductCode, Criticality: r.Criticality}
	if err := p.Validate(); err != nil {
		return err
	}
	v := ProductVersion{ProductID: -1, Version: r.Version}
	if err := v.Validate(); err != nil {
		return err
	}
	if r.Device.Status == "" {
		r.Device.Status = StatusActive
	}
	return r.Device.validateFields()
}
