package dicom

// VR is a value representation: two upper-case letters.
type VR string

// longVR reports whether an explicit VR element of this VR has a 2-byte
// reserved field and a 4-byte length (PS3.5 7.1.2).
func longVR(vr VR) bool {
	switch vr {
	case "OB", "OD", "OF", "OL", "OV", "OW", "SQ", "SV", "UC", "UN", "UR", "UT", "UV":
		return true
	}
	return false
}

// textVR reports whether values of vr are character strings.
func textVR(vr VR) bool {
	switch vr {
	case "AE", "AS", "CS", "DA", "DS", "DT", "IS", "LO", "LT", "PN", "SH", "ST", "TM", "UC", "UI", "UR", "UT":
		return true
	}
	return false
}

// knownVR reports whether vr is one PS3.5 defines.
func knownVR(vr VR) bool {
	return longVR(vr) || textVR(vr) || vr == "AT" || vr == "FL" || vr == "FD" || vr == "SL" || vr == "SS" || vr == "UL" || vr == "US"
}

// entry is a data dictionary entry.
type entry struct {
	name string
	vr   VR
}

// dict is the part of the PS3.6 data dictionary the reader and the
// profile need: patient, study, series, equipment, physician, institution,
// date and time, UID and free-text attributes, and the sequences that
// hold them, so implicit VR data sets decode with the right VRs.
var dict = map[Tag]entry{
	0x00020000: {"FileMetaInformationGroupLength", "UL"}, 0x00020001: {"FileMetaInformationVersion", "OB"},
	0x00020002: {"MediaStorageSOPClassUID", "UI"}, 0x00020003: {"MediaStorageSOPInstanceUID", "UI"},
	0x00020010: {"TransferSyntaxUID", "UI"}, 0x00020012: {"ImplementationClassUID", "UI"},
	0x00020013: {"ImplementationVersionName", "SH"}, 0x00020016: {"SourceApplicationEntityTitle", "AE"},

	0x00080005: {"SpecificCharacterSet", "CS"}, 0x00080008: {"ImageType", "CS"},
	0x00080012: {"InstanceCreationDate", "DA"}, 0x00080013: {"InstanceCreationTime", "TM"},
	0x00080014: {"InstanceCreatorUID", "UI"}, 0x00080015: {"InstanceCoercionDateTime", "DT"},
	0x00080016: {"SOPClassUID", "UI"}, 0x00080018: {"SOPInstanceUID", "UI"},
	0x00080020: {"StudyDate", "DA"}, 0x00080021: {"SeriesDate", "DA"}, 0x00080022: {"AcquisitionDate", "DA"},
	0x00080023: {"ContentDate", "DA"}, 0x00080024: {"OverlayDate", "DA"}, 0x00080025: {"CurveDate", "DA"},
	0x0008002A: {"AcquisitionDateTime", "DT"}, 0x00080030: {"StudyTime", "TM"}, 0x00080031: {"SeriesTime", "TM"},
	0x00080032: {"AcquisitionTime", "TM"}, 0x00080033: {"ContentTime", "TM"}, 0x00080034: {"OverlayTime", "TM"},
	0x00080035: {"CurveTime", "TM"}, 0x00080050: {"AccessionNumber", "SH"}, 0x00080058: {"FailedSOPInstanceUIDList", "UI"},
	0x00080060: {"Modality", "CS"}, 0x00080070: {"Manufacturer", "LO"},
	0x00080080: {"InstitutionName", "LO"}, 0x00080081: {"InstitutionAddress", "ST"}, 0x00080082: {"InstitutionCodeSequence", "SQ"},
	0x00080090: {"ReferringPhysicianName", "PN"}, 0x00080092: {"ReferringPhysicianAddress", "ST"},
	0x00080094: {"ReferringPhysicianTelephoneNumbers", "SH"}, 0x00080096: {"ReferringPhysicianIdentificationSequence", "SQ"},
	0x00080100: {"CodeValue", "SH"}, 0x00080102: {"CodingSchemeDesignator", "SH"}, 0x00080104: {"CodeMeaning", "LO"},
	0x00080201: {"TimezoneOffsetFromUTC", "SH"}, 0x00081010: {"StationName", "SH"},
	0x00081030: {"StudyDescription", "LO"}, 0x00081032: {"ProcedureCodeSequence", "SQ"},
	0x0008103E: {"SeriesDescription", "LO"}, 0x00081040: {"InstitutionalDepartmentName", "LO"},
	0x00081048: {"PhysiciansOfRecord", "PN"}, 0x00081049: {"PhysiciansOfRecordIdentificationSequence", "SQ"},
	0x00081050: {"PerformingPhysicianName", "PN"}, 0x00081052: {"PerformingPhysicianIdentificationSequence", "SQ"},
	0x00081060: {"NameOfPhysiciansReadingStudy", "PN"}, 0x00081062: {"PhysiciansReadingStudyIdentificationSequence", "SQ"},
	0x00081070: {"OperatorsName", "PN"}, 0x00081072: {"OperatorIdentificationSequence", "SQ"},
	0x00081080: {"AdmittingDiagnosesDescription", "LO"}, 0x00081084: {"AdmittingDiagnosesCodeSequence", "SQ"},
	0x00081090: {"ManufacturerModelName", "LO"}, 0x00081110: {"ReferencedStudySequence", "SQ"},
	0x00081111: {"ReferencedPerformedProcedureStepSequence", "SQ"}, 0x00081115: {"ReferencedSeriesSequence", "SQ"},
	0x00081120: {"ReferencedPatientSequence", "SQ"}, 0x00081140: {"ReferencedImageSequence", "SQ"},
	0x00081150: {"ReferencedSOPClassUID", "UI"}, 0x00081155: {"ReferencedSOPInstanceUID", "UI"},
	0x00081195: {"TransactionUID", "UI"}, 0x00081199: {"ReferencedSOPSequence", "SQ"},
	0x00082111: {"DerivationDescription", "ST"}, 0x00082112: {"SourceImageSequence", "SQ"},
	0x00083010: {"IrradiationEventUID", "UI"}, 0x00084000: {"IdentifyingComments", "LT"},
	0x00089121: {"ReferencedRawDataSequence", "SQ"}, 0x00089123: {"CreatorVersionUID", "UI"},

	0x00100010: {"PatientName", "PN"}, 0x00100020: {"PatientID", "LO"}, 0x00100021: {"IssuerOfPatientID", "LO"},
	0x00100030: {"PatientBirthDate", "DA"}, 0x00100032: {"PatientBirthTime", "TM"}, 0x00100040: {"PatientSex", "CS"},
	0x00100050: {"PatientInsurancePlanCodeSequence", "SQ"}, 0x00100101: {"PatientPrimaryLanguageCodeSequence", "SQ"},
	0x00101000: {"OtherPatientIDs", "LO"}, 0x00101001: {"OtherPatientNames", "PN"}, 0x00101002: {"OtherPatientIDsSequence", "SQ"},
	0x00101005: {"PatientBirthName", "PN"}, 0x00101010: {"PatientAge", "AS"}, 0x00101020: {"PatientSize", "DS"},
	0x00101030: {"PatientWeight", "DS"}, 0x00101040: {"PatientAddress", "LO"}, 0x00101050: {"InsurancePlanIdentification", "LO"},
	0x00101060: {"PatientMotherBirthName", "PN"}, 0x00101080: {"MilitaryRank", "LO"}, 0x00101081: {"BranchOfService", "LO"},
	0x00101090: {"MedicalRecordLocator", "LO"}, 0x00102000: {"MedicalAlerts", "LO"}, 0x00102110: {"Allergies", "LO"},
	0x00102150: {"CountryOfResidence", "LO"}, 0x00102152: {"RegionOfResidence", "LO"}, 0x00102154: {"PatientTelephoneNumbers", "SH"},
	0x00102160: {"EthnicGroup", "SH"}, 0x00102180: {"Occupation", "SH"}, 0x001021A0: {"SmokingStatus", "CS"},
	0x001021B0: {"AdditionalPatientHistory", "LT"}, 0x001021C0: {"PregnancyStatus", "US"}, 0x001021D0: {"LastMenstrualDate", "DA"},
	0x001021F0: {"PatientReligiousPreference", "LO"}, 0x00102203: {"PatientSexNeutered", "CS"},
	0x00102297: {"ResponsiblePerson", "PN"}, 0x00102299: {"ResponsibleOrganization", "LO"}, 0x00104000: {"PatientComments", "LT"},

	0x00120062: {"PatientIdentityRemoved", "CS"}, 0x00120063: {"DeidentificationMethod", "LO"},
	0x00120064: {"DeidentificationMethodCodeSequence", "SQ"},

	0x00180010: {"ContrastBolusAgent", "LO"}, 0x00181000: {"DeviceSerialNumber", "LO"}, 0x00181002: {"DeviceUID", "UI"},
	0x00181004: {"PlateID", "LO"}, 0x00181005: {"GeneratorID", "LO"}, 0x00181007: {"CassetteID", "LO"},
	0x00181008: {"GantryID", "LO"}, 0x00181012: {"DateOfSecondaryCapture", "DA"}, 0x00181020: {"SoftwareVersions", "LO"},
	0x00181030: {"ProtocolName", "LO"}, 0x00181200: {"DateOfLastCalibration", "DA"}, 0x00181201: {"TimeOfLastCalibration", "TM"},
	0x00181400: {"AcquisitionDeviceProcessingDescription", "LO"}, 0x00184000: {"AcquisitionComments", "LT"},
	0x0018700C: {"DateOfLastDetectorCalibration", "DA"}, 0x00189074: {"FrameAcquisitionDateTime", "DT"},
	0x00189151: {"FrameReferenceDateTime", "DT"}, 0x00189424: {"AcquisitionProtocolDescription", "LT"},
	0x00189516: {"StartAcquisitionDateTime", "DT"}, 0x00189517: {"EndAcquisitionDateTime", "DT"},
	0x0018A003: {"ContributionDescription", "ST"},

	0x0020000D: {"StudyInstanceUID", "UI"}, 0x0020000E: {"SeriesInstanceUID", "UI"}, 0x00200010: {"StudyID", "SH"},
	0x00200052: {"FrameOfReferenceUID", "UI"}, 0x00200200: {"SynchronizationFrameOfReferenceUID", "UI"},
	0x00203401: {"ModifyingDeviceID", "CS"}, 0x00203404: {"ModifyingDeviceManufacturer", "LO"},
	0x00203406: {"ModifiedImageDescription", "LO"}, 0x00204000: {"ImageComments", "LT"},
	0x00209158: {"FrameComments", "LT"}, 0x00209161: {"ConcatenationUID", "UI"}, 0x00209164: {"DimensionOrganizationUID", "UI"},
	0x00209221: {"DimensionOrganizationSequence", "SQ"}, 0x00209222: {"DimensionIndexSequence", "SQ"},

	0x00280301: {"BurnedInAnnotation", "CS"}, 0x00280303: {"LongitudinalTemporalInformationModified", "CS"},
	0x00281199: {"PaletteColorLookupTableUID", "UI"}, 0x00281214: {"LargePaletteColorLookupTableUID", "UI"},
	0x00284000: {"ImagePresentationComments", "LT"},

	0x00321020: {"ScheduledStudyLocation", "LO"}, 0x00321021: {"ScheduledStudyLocationAETitle", "AE"},
	0x00321030: {"ReasonForStudy", "LO"}, 0x00321032: {"RequestingPhysician", "PN"}, 0x00321033: {"RequestingService", "LO"},
	0x00321060: {"RequestedProcedureDescription", "LO"}, 0x00321070: {"RequestedContrastAgent", "LO"},
	0x00324000: {"StudyComments", "LT"},

	0x00380010: {"AdmissionID", "LO"}, 0x00380011: {"IssuerOfAdmissionID", "LO"}, 0x00380020: {"AdmittingDate", "DA"},
	0x00380021: {"AdmittingTime", "TM"}, 0x00380040: {"DischargeDiagnosisDescription", "LO"},
	0x00380050: {"SpecialNeeds", "LO"}, 0x00380060: {"ServiceEpisodeID", "LO"}, 0x00380062: {"ServiceEpisodeDescription", "LO"},
	0x00380300: {"CurrentPatientLocation", "LO"}, 0x00380400: {"PatientInstitutionResidence", "LO"},
	0x00380500: {"PatientState", "LO"}, 0x00384000: {"VisitComments", "LT"},

	0x00400001: {"ScheduledStationAETitle", "AE"}, 0x00400002: {"ScheduledProcedureStepStartDate", "DA"},
	0x00400003: {"ScheduledProcedureStepStartTime", "TM"}, 0x00400004: {"ScheduledProcedureStepEndDate", "DA"},
	0x00400005: {"ScheduledProcedureStepEndTime", "TM"}, 0x00400006: {"ScheduledPerformingPhysicianName", "PN"},
	0x00400007: {"ScheduledProcedureStepDescription", "LO"}, 0x00400009: {"ScheduledProcedureStepID", "SH"},
	0x00400010: {"ScheduledStationName", "SH"}, 0x00400011: {"ScheduledProcedureStepLocation", "SH"},
	0x00400012: {"PreMedication", "LO"}, 0x00400241: {"PerformedStationAETitle", "AE"},
	0x00400242: {"PerformedStationName", "SH"}, 0x00400243: {"PerformedLocation", "SH"},
	0x00400244: {"PerformedProcedureStepStartDate", "DA"}, 0x00400245: {"PerformedProcedureStepStartTime", "TM"},
	0x00400250: {"PerformedProcedureStepEndDate", "DA"}, 0x00400251: {"PerformedProcedureStepEndTime", "TM"},
	0x00400253: {"PerformedProcedureStepID", "SH"}, 0x00400254: {"PerformedProcedureStepDescription", "LO"},
	0x00400275: {"RequestAttributesSequence", "SQ"}, 0x00400280: {"CommentsOnThePerformedProcedureStep", "ST"},
	0x00400555: {"AcquisitionContextSequence", "SQ"}, 0x00401001: {"RequestedProcedureID", "SH"},
	0x00401002: {"ReasonForTheRequestedProcedure", "LO"}, 0x00401004: {"PatientTransportArrangements", "LO"},
	0x00401005: {"RequestedProcedureLocation", "LO"}, 0x00401010: {"NamesOfIntendedRecipientsOfResults", "PN"},
	0x00401101: {"PersonIdentificationCodeSequence", "SQ"}, 0x00401102: {"PersonAddress", "ST"},
	0x00401103: {"PersonTelephoneNumbers", "LO"}, 0x00401400: {"RequestedProcedureComments", "LT"},
	0x00402001: {"ReasonForImagingServiceRequest", "LO"}, 0x00402008: {"OrderEnteredBy", "PN"},
	0x00402009: {"OrderEntererLocation", "SH"}, 0x00402010: {"OrderCallbackPhoneNumber", "SH"},
	0x00402016: {"PlacerOrderNumberImagingServiceRequest", "LO"}, 0x00402017: {"FillerOrderNumberImagingServiceRequest", "LO"},
	0x00402400: {"ImagingServiceRequestComments", "LT"}, 0x00403001: {"ConfidentialityConstraintOnPatientDataDescription", "LO"},
	0x00404025: {"ScheduledStationNameCodeSequence", "SQ"}, 0x00404027: {"ScheduledStationGeographicLocationCodeSequence", "SQ"},
	0x00404028: {"PerformedStationNameCodeSequence", "SQ"}, 0x00404030: {"PerformedStationGeographicLocationCodeSequence", "SQ"},
	0x00404034: {"ScheduledHumanPerformersSequence", "SQ"}, 0x00404035: {"ActualHumanPerformersSequence", "SQ"},
	0x00404036: {"HumanPerformerOrganization", "LO"}, 0x00404037: {"HumanPerformerName", "PN"},
	0x0040A027: {"VerifyingOrganization", "LO"}, 0x0040A030: {"VerificationDateTime", "DT"},
	0x0040A032: {"ObservationDateTime", "DT"}, 0x0040A040: {"ValueType", "CS"},
	0x0040A043: {"ConceptNameCodeSequence", "SQ"}, 0x0040A073: {"VerifyingObserverSequence", "SQ"},
	0x0040A075: {"VerifyingObserverName", "PN"}, 0x0040A078: {"AuthorObserverSequence", "SQ"},
	0x0040A07A: {"ParticipantSequence", "SQ"}, 0x0040A07C: {"CustodialOrganizationSequence", "SQ"},
	0x0040A088: {"VerifyingObserverIdentificationCodeSequence", "SQ"}, 0x0040A120: {"DateTime", "DT"},
	0x0040A121: {"Date", "DA"}, 0x0040A122: {"Time", "TM"}, 0x0040A123: {"PersonName", "PN"},
	0x0040A124: {"UID", "UI"}, 0x0040A160: {"TextValue", "UT"}, 0x0040A168: {"ConceptCodeSequence", "SQ"},
	0x0040A730: {"ContentSequence", "SQ"}, 0x0040DB0C: {"TemplateExtensionOrganizationUID", "UI"},
	0x0040DB0D: {"TemplateExtensionCreatorUID", "UI"},

	0x00700001: {"GraphicAnnotationSequence", "SQ"}, 0x00700084: {"ContentCreatorName", "PN"},
	0x00700086: {"ContentCreatorIdentificationCodeSequence", "SQ"}, 0x0070031A: {"FiducialUID", "UI"},
	0x00880140: {"StorageMediaFileSetUID", "UI"}, 0x00880200: {"IconImageSequence", "SQ"},
	0x00880904: {"TopicTitle", "LO"}, 0x00880906: {"TopicSubject", "ST"}, 0x00880910: {"TopicAuthor", "LO"},
	0x00880912: {"TopicKeywords", "LO"},
	0x20300020: {"TextString", "LO"}, 0x30060024: {"ReferencedFrameOfReferenceUID", "UI"},
	0x300600C2: {"RelatedFrameOfReferenceUID", "UI"}, 0x300A0013: {"DoseReferenceUID", "UI"},
	0x300E0008: {"ReviewerName", "PN"},
	0x04000100: {"DigitalSignatureUID", "UI"}, 0x04000402: {"ReferencedDigitalSignatureSequence", "SQ"},
	0x04000404: {"MAC", "OB"}, 0x04000550: {"ModifiedAttributesSequence", "SQ"},
	0x04000561: {"OriginalAttributesSequence", "SQ"},
	0x40000010: {"Arbitrary", "LT"}, 0x40004000: {"TextComments", "LT"},
	0x40080042: {"ResultsIDIssuer", "LO"}, 0x40080102: {"InterpretationRecorder", "PN"},
	0x4008010A: {"InterpretationTranscriber", "PN"}, 0x4008010B: {"InterpretationText", "ST"},
	0x4008010C: {"InterpretationAuthor", "PN"}, 0x40080111: {"InterpretationApproverSequence", "SQ"},
	0x40080114: {"PhysicianApprovingInterpretation", "PN"}, 0x40080115: {"InterpretationDiagnosisDescription", "LT"},
	0x40080118: {"ResultsDistributionListSequence", "SQ"}, 0x40080119: {"DistributionName", "PN"},
	0x4008011A: {"DistributionAddress", "LO"}, 0x40080202: {"InterpretationIDIssuer", "LO"},
	0x40080300: {"Impressions", "ST"}, 0x40084000: {"ResultsComments", "ST"},
	0x7FE00010: {"PixelData", "OW"}, 0xFFFAFFFA: {"DigitalSignaturesSequence", "SQ"},
	0xFFFCFFFC: {"DataSetTrailingPadding", "OB"},
}

// lookup returns the dictionary entry of t. Group lengths, private
// creators and the generic private data element read as UL, LO and UN.
func lookup(t Tag) (entry, bool) {
	if e, ok := dict[t]; ok {
		return e, true
	}
	switch {
	case t.Element() == 0 && t.Group() != 0xFFFE:
		return entry{"GroupLength", "UL"}, true
	case t.PrivateCreator():
		return entry{"PrivateCreator", "LO"}, true
	case t.Private():
		return entry{"Private", "UN"}, true
	}
	return entry{}, false
}

// meaningVR is the VR that gives a value its meaning: the dictionary's
// for values written as UN by a writer that did not know the attribute.
func meaningVR(t Tag, vr VR) VR {
	if vr == "UN" {
		if e, ok := dict[t]; ok {
			return e.vr
		}
	}
	return vr
}

// Name is the tag's keyword from the dictionary, "" when unknown.
func Name(t Tag) string {
	e, _ := lookup(t)
	return e.name
}
