-- DuckDB: one view per entity over exactly the CSV partitions model.json lists.
-- Run: duckdb my.duckdb < load.sql (or any DuckDB API).  One transaction: all or
-- nothing.  Idempotent: CREATE OR REPLACE.
BEGIN TRANSACTION;

CREATE OR REPLACE VIEW "LocalAllergyIntolerance" AS
SELECT "ResourceId", "Id", "ClinicalStatusCodingSystem", "ClinicalStatusCodingVersion", "ClinicalStatusCodingCode", "ClinicalStatusCodingDisplay", "ClinicalStatusCodingUserSelected", "ClinicalStatusText", "VerificationStatusCodingSystem", "VerificationStatusCodingVersion", "VerificationStatusCodingCode", "VerificationStatusCodingDisplay", "VerificationStatusCodingUserSelected", "VerificationStatusText", "Type", "Criticality", "CodeCodingSystem", "CodeCodingVersion", "CodeCodingCode", "CodeCodingDisplay", "CodeCodingUserSelected", "CodeText", "PatientReference", "PatientType", "PatientIdentifierUse", "PatientIdentifierTypeText", "PatientIdentifierSystem", "PatientIdentifierValue", "PatientDisplay", "RecordedDate", "ReactionSubstanceText", "ReactionManifestationText", "ReactionDescription", "ReactionOnset", "ReactionSeverity", "Category"
FROM read_csv([
    './data/LocalAllergyIntolerance/partition-data-AllergyIntolerance-sqltest.csv'
  ],
  header = true, auto_detect = false, delim = ',', quote = '"', escape = '"',
  new_line = '\r\n', hive_partitioning = false,
  columns = {'ResourceId': 'VARCHAR', 'Id': 'VARCHAR', 'ClinicalStatusCodingSystem': 'VARCHAR', 'ClinicalStatusCodingVersion': 'VARCHAR', 'ClinicalStatusCodingCode': 'VARCHAR', 'ClinicalStatusCodingDisplay': 'VARCHAR', 'ClinicalStatusCodingUserSelected': 'BOOLEAN', 'ClinicalStatusText': 'VARCHAR', 'VerificationStatusCodingSystem': 'VARCHAR', 'VerificationStatusCodingVersion': 'VARCHAR', 'VerificationStatusCodingCode': 'VARCHAR', 'VerificationStatusCodingDisplay': 'VARCHAR', 'VerificationStatusCodingUserSelected': 'BOOLEAN', 'VerificationStatusText': 'VARCHAR', 'Type': 'VARCHAR', 'Criticality': 'VARCHAR', 'CodeCodingSystem': 'VARCHAR', 'CodeCodingVersion': 'VARCHAR', 'CodeCodingCode': 'VARCHAR', 'CodeCodingDisplay': 'VARCHAR', 'CodeCodingUserSelected': 'BOOLEAN', 'CodeText': 'VARCHAR', 'PatientReference': 'VARCHAR', 'PatientType': 'VARCHAR', 'PatientIdentifierUse': 'VARCHAR', 'PatientIdentifierTypeText': 'VARCHAR', 'PatientIdentifierSystem': 'VARCHAR', 'PatientIdentifierValue': 'VARCHAR', 'PatientDisplay': 'VARCHAR', 'RecordedDate': 'TIMESTAMPTZ', 'ReactionSubstanceText': 'VARCHAR', 'ReactionManifestationText': 'VARCHAR', 'ReactionDescription': 'VARCHAR', 'ReactionOnset': 'TIMESTAMPTZ', 'ReactionSeverity': 'VARCHAR', 'Category': 'VARCHAR'});

CREATE OR REPLACE VIEW "LocalAllergyIntoleranceReactionManifestation" AS
SELECT "RowId", "ResourceId", "FhirPath", "ParentPath", "CodingSystem", "CodingVersion", "CodingCode", "CodingDisplay", "CodingUserSelected", "Text"
FROM read_csv([
    './data/LocalAllergyIntoleranceReactionManifestation/partition-data-AllergyIntolerance-sqltest.csv'
  ],
  header = true, auto_detect = false, delim = ',', quote = '"', escape = '"',
  new_line = '\r\n', hive_partitioning = false,
  columns = {'RowId': 'VARCHAR', 'ResourceId': 'VARCHAR', 'FhirPath': 'VARCHAR', 'ParentPath': 'VARCHAR', 'CodingSystem': 'VARCHAR', 'CodingVersion': 'VARCHAR', 'CodingCode': 'VARCHAR', 'CodingDisplay': 'VARCHAR', 'CodingUserSelected': 'BOOLEAN', 'Text': 'VARCHAR'});

CREATE OR REPLACE VIEW "LocalCondition" AS
SELECT "ResourceId", "Id", "ClinicalStatusCodingSystem", "ClinicalStatusCodingVersion", "ClinicalStatusCodingCode", "ClinicalStatusCodingDisplay", "ClinicalStatusCodingUserSelected", "ClinicalStatusText", "VerificationStatusCodingSystem", "VerificationStatusCodingVersion", "VerificationStatusCodingCode", "VerificationStatusCodingDisplay", "VerificationStatusCodingUserSelected", "VerificationStatusText", "CategoryCodingSystem", "CategoryCodingVersion", "CategoryCodingCode", "CategoryCodingDisplay", "CategoryCodingUserSelected", "CategoryText", "CodeCodingSystem", "CodeCodingVersion", "CodeCodingCode", "CodeCodingDisplay", "CodeCodingUserSelected", "CodeText", "SubjectReference", "SubjectType", "SubjectIdentifierUse", "SubjectIdentifierTypeText", "SubjectIdentifierSystem", "SubjectIdentifierValue", "SubjectDisplay", "EncounterReference", "EncounterType", "EncounterIdentifierUse", "EncounterIdentifierTypeText", "EncounterIdentifierSystem", "EncounterIdentifierValue", "EncounterDisplay", "AbatementDateTime", "RecordedDate", "OnsetDateTime"
FROM read_csv([
    './data/LocalCondition/partition-data-Condition-sqltest.csv'
  ],
  header = true, auto_detect = false, delim = ',', quote = '"', escape = '"',
  new_line = '\r\n', hive_partitioning = false,
  columns = {'ResourceId': 'VARCHAR', 'Id': 'VARCHAR', 'ClinicalStatusCodingSystem': 'VARCHAR', 'ClinicalStatusCodingVersion': 'VARCHAR', 'ClinicalStatusCodingCode': 'VARCHAR', 'ClinicalStatusCodingDisplay': 'VARCHAR', 'ClinicalStatusCodingUserSelected': 'BOOLEAN', 'ClinicalStatusText': 'VARCHAR', 'VerificationStatusCodingSystem': 'VARCHAR', 'VerificationStatusCodingVersion': 'VARCHAR', 'VerificationStatusCodingCode': 'VARCHAR', 'VerificationStatusCodingDisplay': 'VARCHAR', 'VerificationStatusCodingUserSelected': 'BOOLEAN', 'VerificationStatusText': 'VARCHAR', 'CategoryCodingSystem': 'VARCHAR', 'CategoryCodingVersion': 'VARCHAR', 'CategoryCodingCode': 'VARCHAR', 'CategoryCodingDisplay': 'VARCHAR', 'CategoryCodingUserSelected': 'BOOLEAN', 'CategoryText': 'VARCHAR', 'CodeCodingSystem': 'VARCHAR', 'CodeCodingVersion': 'VARCHAR', 'CodeCodingCode': 'VARCHAR', 'CodeCodingDisplay': 'VARCHAR', 'CodeCodingUserSelected': 'BOOLEAN', 'CodeText': 'VARCHAR', 'SubjectReference': 'VARCHAR', 'SubjectType': 'VARCHAR', 'SubjectIdentifierUse': 'VARCHAR', 'SubjectIdentifierTypeText': 'VARCHAR', 'SubjectIdentifierSystem': 'VARCHAR', 'SubjectIdentifierValue': 'VARCHAR', 'SubjectDisplay': 'VARCHAR', 'EncounterReference': 'VARCHAR', 'EncounterType': 'VARCHAR', 'EncounterIdentifierUse': 'VARCHAR', 'EncounterIdentifierTypeText': 'VARCHAR', 'EncounterIdentifierSystem': 'VARCHAR', 'EncounterIdentifierValue': 'VARCHAR', 'EncounterDisplay': 'VARCHAR', 'AbatementDateTime': 'TIMESTAMPTZ', 'RecordedDate': 'TIMESTAMPTZ', 'OnsetDateTime': 'TIMESTAMPTZ'});

CREATE OR REPLACE VIEW "LocalConditionCodeCoding" AS
SELECT "RowId", "ResourceId", "FhirPath", "ParentPath", "System", "Version", "Code", "Display", "UserSelected"
FROM read_csv([
    './data/LocalConditionCodeCoding/partition-data-Condition-sqltest.csv'
  ],
  header = true, auto_detect = false, delim = ',', quote = '"', escape = '"',
  new_line = '\r\n', hive_partitioning = false,
  columns = {'RowId': 'VARCHAR', 'ResourceId': 'VARCHAR', 'FhirPath': 'VARCHAR', 'ParentPath': 'VARCHAR', 'System': 'VARCHAR', 'Version': 'VARCHAR', 'Code': 'VARCHAR', 'Display': 'VARCHAR', 'UserSelected': 'BOOLEAN'});

CREATE OR REPLACE VIEW "LocalEncounter" AS
SELECT "ResourceId", "Id", "IdentifierUse", "IdentifierTypeCodingSystem", "IdentifierTypeCodingVersion", "IdentifierTypeCodingCode", "IdentifierTypeCodingDisplay", "IdentifierTypeCodingUserSelected", "IdentifierTypeText", "IdentifierSystem", "IdentifierValue", "IdentifierPeriodStart", "IdentifierPeriodEnd", "IdentifierAssignerReference", "IdentifierAssignerType", "IdentifierAssignerDisplay", "Status", "ClassSystem", "ClassVersion", "ClassCode", "ClassDisplay", "ClassUserSelected", "TypeCodingSystem", "TypeCodingVersion", "TypeCodingCode", "TypeCodingDisplay", "TypeCodingUserSelected", "TypeText", "SubjectReference", "SubjectType", "SubjectIdentifierUse", "SubjectIdentifierTypeText", "SubjectIdentifierSystem", "SubjectIdentifierValue", "SubjectDisplay", "ParticipantTypeCodingSystem", "ParticipantTypeCodingVersion", "ParticipantTypeCodingCode", "ParticipantTypeCodingDisplay", "ParticipantTypeCodingUserSelected", "ParticipantTypeText", "ParticipantPeriodStart", "ParticipantPeriodEnd", "ParticipantIndividualReference", "ParticipantIndividualType", "ParticipantIndividualDisplay", "PeriodStart", "PeriodEnd", "ReasonCodeCodingSystem", "ReasonCodeCodingVersion", "ReasonCodeCodingCode", "ReasonCodeCodingDisplay", "ReasonCodeCodingUserSelected", "ReasonCodeText", "HospitalizationAdmitSourceText", "HospitalizationDischargeDispositionText", "LocationLocationReference", "LocationLocationType", "LocationLocationDisplay", "LocationStatus", "LocationPeriodStart", "LocationPeriodEnd", "ServiceProviderReference", "ServiceProviderType", "ServiceProviderIdentifierUse", "ServiceProviderIdentifierTypeText", "ServiceProviderIdentifierSystem", "ServiceProviderIdentifierValue", "ServiceProviderDisplay"
FROM read_csv([
    './data/LocalEncounter/partition-data-Encounter-sqltest.csv'
  ],
  header = true, auto_detect = false, delim = ',', quote = '"', escape = '"',
  new_line = '\r\n', hive_partitioning = false,
  columns = {'ResourceId': 'VARCHAR', 'Id': 'VARCHAR', 'IdentifierUse': 'VARCHAR', 'IdentifierTypeCodingSystem': 'VARCHAR', 'IdentifierTypeCodingVersion': 'VARCHAR', 'IdentifierTypeCodingCode': 'VARCHAR', 'IdentifierTypeCodingDisplay': 'VARCHAR', 'IdentifierTypeCodingUserSelected': 'BOOLEAN', 'IdentifierTypeText': 'VARCHAR', 'IdentifierSystem': 'VARCHAR', 'IdentifierValue': 'VARCHAR', 'IdentifierPeriodStart': 'TIMESTAMPTZ', 'IdentifierPeriodEnd': 'TIMESTAMPTZ', 'IdentifierAssignerReference': 'VARCHAR', 'IdentifierAssignerType': 'VARCHAR', 'IdentifierAssignerDisplay': 'VARCHAR', 'Status': 'VARCHAR', 'ClassSystem': 'VARCHAR', 'ClassVersion': 'VARCHAR', 'ClassCode': 'VARCHAR', 'ClassDisplay': 'VARCHAR', 'ClassUserSelected': 'BOOLEAN', 'TypeCodingSystem': 'VARCHAR', 'TypeCodingVersion': 'VARCHAR', 'TypeCodingCode': 'VARCHAR', 'TypeCodingDisplay': 'VARCHAR', 'TypeCodingUserSelected': 'BOOLEAN', 'TypeText': 'VARCHAR', 'SubjectReference': 'VARCHAR', 'SubjectType': 'VARCHAR', 'SubjectIdentifierUse': 'VARCHAR', 'SubjectIdentifierTypeText': 'VARCHAR', 'SubjectIdentifierSystem': 'VARCHAR', 'SubjectIdentifierValue': 'VARCHAR', 'SubjectDisplay': 'VARCHAR', 'ParticipantTypeCodingSystem': 'VARCHAR', 'ParticipantTypeCodingVersion': 'VARCHAR', 'ParticipantTypeCodingCode': 'VARCHAR', 'ParticipantTypeCodingDisplay': 'VARCHAR', 'ParticipantTypeCodingUserSelected': 'BOOLEAN', 'ParticipantTypeText': 'VARCHAR', 'ParticipantPeriodStart': 'TIMESTAMPTZ', 'ParticipantPeriodEnd': 'TIMESTAMPTZ', 'ParticipantIndividualReference': 'VARCHAR', 'ParticipantIndividualType': 'VARCHAR', 'ParticipantIndividualDisplay': 'VARCHAR', 'PeriodStart': 'TIMESTAMPTZ', 'PeriodEnd': 'TIMESTAMPTZ', 'ReasonCodeCodingSystem': 'VARCHAR', 'ReasonCodeCodingVersion': 'VARCHAR', 'ReasonCodeCodingCode': 'VARCHAR', 'ReasonCodeCodingDisplay': 'VARCHAR', 'ReasonCodeCodingUserSelected': 'BOOLEAN', 'ReasonCodeText': 'VARCHAR', 'HospitalizationAdmitSourceText': 'VARCHAR', 'HospitalizationDischargeDispositionText': 'VARCHAR', 'LocationLocationReference': 'VARCHAR', 'LocationLocationType': 'VARCHAR', 'LocationLocationDisplay': 'VARCHAR', 'LocationStatus': 'VARCHAR', 'LocationPeriodStart': 'TIMESTAMPTZ', 'LocationPeriodEnd': 'TIMESTAMPTZ', 'ServiceProviderReference': 'VARCHAR', 'ServiceProviderType': 'VARCHAR', 'ServiceProviderIdentifierUse': 'VARCHAR', 'ServiceProviderIdentifierTypeText': 'VARCHAR', 'ServiceProviderIdentifierSystem': 'VARCHAR', 'ServiceProviderIdentifierValue': 'VARCHAR', 'ServiceProviderDisplay': 'VARCHAR'});

CREATE OR REPLACE VIEW "LocalEncounterParticipant" AS
SELECT "RowId", "ResourceId", "FhirPath", "ParentPath", "TypeCodingSystem", "TypeCodingVersion", "TypeCodingCode", "TypeCodingDisplay", "TypeCodingUserSelected", "TypeText", "PeriodStart", "PeriodEnd", "IndividualReference", "IndividualType", "IndividualDisplay"
FROM read_csv([
    './data/LocalEncounterParticipant/partition-data-Encounter-sqltest.csv'
  ],
  header = true, auto_detect = false, delim = ',', quote = '"', escape = '"',
  new_line = '\r\n', hive_partitioning = false,
  columns = {'RowId': 'VARCHAR', 'ResourceId': 'VARCHAR', 'FhirPath': 'VARCHAR', 'ParentPath': 'VARCHAR', 'TypeCodingSystem': 'VARCHAR', 'TypeCodingVersion': 'VARCHAR', 'TypeCodingCode': 'VARCHAR', 'TypeCodingDisplay': 'VARCHAR', 'TypeCodingUserSelected': 'BOOLEAN', 'TypeText': 'VARCHAR', 'PeriodStart': 'TIMESTAMPTZ', 'PeriodEnd': 'TIMESTAMPTZ', 'IndividualReference': 'VARCHAR', 'IndividualType': 'VARCHAR', 'IndividualDisplay': 'VARCHAR'});

CREATE OR REPLACE VIEW "LocalEncounterTypeCoding" AS
SELECT "RowId", "ResourceId", "FhirPath", "ParentPath", "System", "Version", "Code", "Display", "UserSelected"
FROM read_csv([
    './data/LocalEncounterTypeCoding/partition-data-Encounter-sqltest.csv'
  ],
  header = true, auto_detect = false, delim = ',', quote = '"', escape = '"',
  new_line = '\r\n', hive_partitioning = false,
  columns = {'RowId': 'VARCHAR', 'ResourceId': 'VARCHAR', 'FhirPath': 'VARCHAR', 'ParentPath': 'VARCHAR', 'System': 'VARCHAR', 'Version': 'VARCHAR', 'Code': 'VARCHAR', 'Display': 'VARCHAR', 'UserSelected': 'BOOLEAN'});

CREATE OR REPLACE VIEW "LocalImmunization" AS
SELECT "ResourceId", "Id", "Status", "VaccineCodeCodingSystem", "VaccineCodeCodingVersion", "VaccineCodeCodingCode", "VaccineCodeCodingDisplay", "VaccineCodeCodingUserSelected", "VaccineCodeText", "PatientReference", "PatientType", "PatientIdentifierUse", "PatientIdentifierTypeText", "PatientIdentifierSystem", "PatientIdentifierValue", "PatientDisplay", "EncounterReference", "EncounterType", "EncounterIdentifierUse", "EncounterIdentifierTypeText", "EncounterIdentifierSystem", "EncounterIdentifierValue", "EncounterDisplay", "PrimarySource", "LocationReference", "LocationType", "LocationIdentifierUse", "LocationIdentifierTypeText", "LocationIdentifierSystem", "LocationIdentifierValue", "LocationDisplay", "OccurrenceDateTime"
FROM read_csv([
    './data/LocalImmunization/partition-data-Immunization-sqltest.csv'
  ],
  header = true, auto_detect = false, delim = ',', quote = '"', escape = '"',
  new_line = '\r\n', hive_partitioning = false,
  columns = {'ResourceId': 'VARCHAR', 'Id': 'VARCHAR', 'Status': 'VARCHAR', 'VaccineCodeCodingSystem': 'VARCHAR', 'VaccineCodeCodingVersion': 'VARCHAR', 'VaccineCodeCodingCode': 'VARCHAR', 'VaccineCodeCodingDisplay': 'VARCHAR', 'VaccineCodeCodingUserSelected': 'BOOLEAN', 'VaccineCodeText': 'VARCHAR', 'PatientReference': 'VARCHAR', 'PatientType': 'VARCHAR', 'PatientIdentifierUse': 'VARCHAR', 'PatientIdentifierTypeText': 'VARCHAR', 'PatientIdentifierSystem': 'VARCHAR', 'PatientIdentifierValue': 'VARCHAR', 'PatientDisplay': 'VARCHAR', 'EncounterReference': 'VARCHAR', 'EncounterType': 'VARCHAR', 'EncounterIdentifierUse': 'VARCHAR', 'EncounterIdentifierTypeText': 'VARCHAR', 'EncounterIdentifierSystem': 'VARCHAR', 'EncounterIdentifierValue': 'VARCHAR', 'EncounterDisplay': 'VARCHAR', 'PrimarySource': 'BOOLEAN', 'LocationReference': 'VARCHAR', 'LocationType': 'VARCHAR', 'LocationIdentifierUse': 'VARCHAR', 'LocationIdentifierTypeText': 'VARCHAR', 'LocationIdentifierSystem': 'VARCHAR', 'LocationIdentifierValue': 'VARCHAR', 'LocationDisplay': 'VARCHAR', 'OccurrenceDateTime': 'TIMESTAMPTZ'});

CREATE OR REPLACE VIEW "LocalLocation" AS
SELECT "ResourceId", "Id", "Status", "Name", "TelecomSystem", "TelecomValue", "TelecomUse", "TelecomRank", "TelecomPeriodStart", "TelecomPeriodEnd", "AddressUse", "AddressType", "AddressText", "AddressCity", "AddressDistrict", "AddressState", "AddressPostalCode", "AddressCountry", "AddressPeriodStart", "AddressPeriodEnd", "AddressLine", "AddressLines", "PositionLongitude", "PositionLatitude", "PositionAltitude", "ManagingOrganizationReference", "ManagingOrganizationType", "ManagingOrganizationIdentifierUse", "ManagingOrganizationIdentifierTypeText", "ManagingOrganizationIdentifierSystem", "ManagingOrganizationIdentifierValue", "ManagingOrganizationDisplay"
FROM read_csv([
    './data/LocalLocation/partition-data-Location-sqltest.csv'
  ],
  header = true, auto_detect = false, delim = ',', quote = '"', escape = '"',
  new_line = '\r\n', hive_partitioning = false,
  columns = {'ResourceId': 'VARCHAR', 'Id': 'VARCHAR', 'Status': 'VARCHAR', 'Name': 'VARCHAR', 'TelecomSystem': 'VARCHAR', 'TelecomValue': 'VARCHAR', 'TelecomUse': 'VARCHAR', 'TelecomRank': 'BIGINT', 'TelecomPeriodStart': 'TIMESTAMPTZ', 'TelecomPeriodEnd': 'TIMESTAMPTZ', 'AddressUse': 'VARCHAR', 'AddressType': 'VARCHAR', 'AddressText': 'VARCHAR', 'AddressCity': 'VARCHAR', 'AddressDistrict': 'VARCHAR', 'AddressState': 'VARCHAR', 'AddressPostalCode': 'VARCHAR', 'AddressCountry': 'VARCHAR', 'AddressPeriodStart': 'TIMESTAMPTZ', 'AddressPeriodEnd': 'TIMESTAMPTZ', 'AddressLine': 'VARCHAR', 'AddressLines': 'VARCHAR', 'PositionLongitude': 'DECIMAL(38,18)', 'PositionLatitude': 'DECIMAL(38,18)', 'PositionAltitude': 'DECIMAL(38,18)', 'ManagingOrganizationReference': 'VARCHAR', 'ManagingOrganizationType': 'VARCHAR', 'ManagingOrganizationIdentifierUse': 'VARCHAR', 'ManagingOrganizationIdentifierTypeText': 'VARCHAR', 'ManagingOrganizationIdentifierSystem': 'VARCHAR', 'ManagingOrganizationIdentifierValue': 'VARCHAR', 'ManagingOrganizationDisplay': 'VARCHAR'});

CREATE OR REPLACE VIEW "LocalMedicationRequest" AS
SELECT "ResourceId", "Id", "Status", "Intent", "CategoryCodingSystem", "CategoryCodingVersion", "CategoryCodingCode", "CategoryCodingDisplay", "CategoryCodingUserSelected", "CategoryText", "MedicationCodeableConceptCodingSystem", "MedicationCodeableConceptCodingVersion", "MedicationCodeableConceptCodingCode", "MedicationCodeableConceptCodingDisplay", "MedicationCodeableConceptCodingUserSelected", "MedicationCodeableConceptText", "SubjectReference", "SubjectType", "SubjectIdentifierUse", "SubjectIdentifierTypeText", "SubjectIdentifierSystem", "SubjectIdentifierValue", "SubjectDisplay", "EncounterReference", "EncounterType", "EncounterIdentifierUse", "EncounterIdentifierTypeText", "EncounterIdentifierSystem", "EncounterIdentifierValue", "EncounterDisplay", "AuthoredOn", "RequesterReference", "RequesterType", "RequesterIdentifierUse", "RequesterIdentifierTypeText", "RequesterIdentifierSystem", "RequesterIdentifierValue", "RequesterDisplay", "ReasonReferenceReference", "ReasonReferenceType", "ReasonReferenceIdentifierUse", "ReasonReferenceIdentifierTypeText", "ReasonReferenceIdentifierSystem", "ReasonReferenceIdentifierValue", "ReasonReferenceDisplay", "DosageInstructionSequence", "DosageInstructionText", "DosageInstructionAsNeededBoolean", "DosageInstructionTimingRepeatFrequency", "DosageInstructionTimingRepeatPeriod", "DosageInstructionTimingRepeatPeriodUnit", "DosageInstructionRouteText", "DosageInstructionDoseAndRateDoseQuantityValue", "DosageInstructionDoseAndRateDoseQuantityComparator", "DosageInstructionDoseAndRateDoseQuantityUnit", "DosageInstructionDoseAndRateDoseQuantitySystem", "DosageInstructionDoseAndRateDoseQuantityCode", "DosageInstructionDoseAndRate"
FROM read_csv([
    './data/LocalMedicationRequest/partition-data-MedicationRequest-sqltest.csv'
  ],
  header = true, auto_detect = false, delim = ',', quote = '"', escape = '"',
  new_line = '\r\n', hive_partitioning = false,
  columns = {'ResourceId': 'VARCHAR', 'Id': 'VARCHAR', 'Status': 'VARCHAR', 'Intent': 'VARCHAR', 'CategoryCodingSystem': 'VARCHAR', 'CategoryCodingVersion': 'VARCHAR', 'CategoryCodingCode': 'VARCHAR', 'CategoryCodingDisplay': 'VARCHAR', 'CategoryCodingUserSelected': 'BOOLEAN', 'CategoryText': 'VARCHAR', 'MedicationCodeableConceptCodingSystem': 'VARCHAR', 'MedicationCodeableConceptCodingVersion': 'VARCHAR', 'MedicationCodeableConceptCodingCode': 'VARCHAR', 'MedicationCodeableConceptCodingDisplay': 'VARCHAR', 'MedicationCodeableConceptCodingUserSelected': 'BOOLEAN', 'MedicationCodeableConceptText': 'VARCHAR', 'SubjectReference': 'VARCHAR', 'SubjectType': 'VARCHAR', 'SubjectIdentifierUse': 'VARCHAR', 'SubjectIdentifierTypeText': 'VARCHAR', 'SubjectIdentifierSystem': 'VARCHAR', 'SubjectIdentifierValue': 'VARCHAR', 'SubjectDisplay': 'VARCHAR', 'EncounterReference': 'VARCHAR', 'EncounterType': 'VARCHAR', 'EncounterIdentifierUse': 'VARCHAR', 'EncounterIdentifierTypeText': 'VARCHAR', 'EncounterIdentifierSystem': 'VARCHAR', 'EncounterIdentifierValue': 'VARCHAR', 'EncounterDisplay': 'VARCHAR', 'AuthoredOn': 'TIMESTAMPTZ', 'RequesterReference': 'VARCHAR', 'RequesterType': 'VARCHAR', 'RequesterIdentifierUse': 'VARCHAR', 'RequesterIdentifierTypeText': 'VARCHAR', 'RequesterIdentifierSystem': 'VARCHAR', 'RequesterIdentifierValue': 'VARCHAR', 'RequesterDisplay': 'VARCHAR', 'ReasonReferenceReference': 'VARCHAR', 'ReasonReferenceType': 'VARCHAR', 'ReasonReferenceIdentifierUse': 'VARCHAR', 'ReasonReferenceIdentifierTypeText': 'VARCHAR', 'ReasonReferenceIdentifierSystem': 'VARCHAR', 'ReasonReferenceIdentifierValue': 'VARCHAR', 'ReasonReferenceDisplay': 'VARCHAR', 'DosageInstructionSequence': 'BIGINT', 'DosageInstructionText': 'VARCHAR', 'DosageInstructionAsNeededBoolean': 'BOOLEAN', 'DosageInstructionTimingRepeatFrequency': 'BIGINT', 'DosageInstructionTimingRepeatPeriod': 'DECIMAL(38,18)', 'DosageInstructionTimingRepeatPeriodUnit': 'VARCHAR', 'DosageInstructionRouteText': 'VARCHAR', 'DosageInstructionDoseAndRateDoseQuantityValue': 'DECIMAL(38,18)', 'DosageInstructionDoseAndRateDoseQuantityComparator': 'VARCHAR', 'DosageInstructionDoseAndRateDoseQuantityUnit': 'VARCHAR', 'DosageInstructionDoseAndRateDoseQuantitySystem': 'VARCHAR', 'DosageInstructionDoseAndRateDoseQuantityCode': 'VARCHAR', 'DosageInstructionDoseAndRate': 'VARCHAR'});

CREATE OR REPLACE VIEW "LocalMedicationRequestDosageInstruction" AS
SELECT "RowId", "ResourceId", "FhirPath", "ParentPath", "Sequence", "Text", "AsNeededBoolean", "TimingRepeatFrequency", "TimingRepeatPeriod", "TimingRepeatPeriodUnit", "RouteText", "DoseAndRateDoseQuantityValue", "DoseAndRateDoseQuantityComparator", "DoseAndRateDoseQuantityUnit", "DoseAndRateDoseQuantitySystem", "DoseAndRateDoseQuantityCode", "DoseAndRate"
FROM read_csv([
    './data/LocalMedicationRequestDosageInstruction/partition-data-MedicationRequest-sqltest.csv'
  ],
  header = true, auto_detect = false, delim = ',', quote = '"', escape = '"',
  new_line = '\r\n', hive_partitioning = false,
  columns = {'RowId': 'VARCHAR', 'ResourceId': 'VARCHAR', 'FhirPath': 'VARCHAR', 'ParentPath': 'VARCHAR', 'Sequence': 'BIGINT', 'Text': 'VARCHAR', 'AsNeededBoolean': 'BOOLEAN', 'TimingRepeatFrequency': 'BIGINT', 'TimingRepeatPeriod': 'DECIMAL(38,18)', 'TimingRepeatPeriodUnit': 'VARCHAR', 'RouteText': 'VARCHAR', 'DoseAndRateDoseQuantityValue': 'DECIMAL(38,18)', 'DoseAndRateDoseQuantityComparator': 'VARCHAR', 'DoseAndRateDoseQuantityUnit': 'VARCHAR', 'DoseAndRateDoseQuantitySystem': 'VARCHAR', 'DoseAndRateDoseQuantityCode': 'VARCHAR', 'DoseAndRate': 'VARCHAR'});

CREATE OR REPLACE VIEW "LocalObservation" AS
SELECT "ResourceId", "Id", "Status", "CategoryCodingSystem", "CategoryCodingVersion", "CategoryCodingCode", "CategoryCodingDisplay", "CategoryCodingUserSelected", "CategoryText", "CodeCodingSystem", "CodeCodingVersion", "CodeCodingCode", "CodeCodingDisplay", "CodeCodingUserSelected", "CodeText", "SubjectReference", "SubjectType", "SubjectIdentifierUse", "SubjectIdentifierTypeText", "SubjectIdentifierSystem", "SubjectIdentifierValue", "SubjectDisplay", "EncounterReference", "EncounterType", "EncounterIdentifierUse", "EncounterIdentifierTypeText", "EncounterIdentifierSystem", "EncounterIdentifierValue", "EncounterDisplay", "EffectiveDateTime", "Issued", "ValueQuantityValue", "ValueQuantityComparator", "ValueQuantityUnit", "ValueQuantitySystem", "ValueQuantityCode", "ValueCodeableConceptCodingSystem", "ValueCodeableConceptCodingVersion", "ValueCodeableConceptCodingCode", "ValueCodeableConceptCodingDisplay", "ValueCodeableConceptCodingUserSelected", "ValueCodeableConceptText", "ValueString"
FROM read_csv([
    './data/LocalObservation/partition-data-Observation-sqltest.csv'
  ],
  header = true, auto_detect = false, delim = ',', quote = '"', escape = '"',
  new_line = '\r\n', hive_partitioning = false,
  columns = {'ResourceId': 'VARCHAR', 'Id': 'VARCHAR', 'Status': 'VARCHAR', 'CategoryCodingSystem': 'VARCHAR', 'CategoryCodingVersion': 'VARCHAR', 'CategoryCodingCode': 'VARCHAR', 'CategoryCodingDisplay': 'VARCHAR', 'CategoryCodingUserSelected': 'BOOLEAN', 'CategoryText': 'VARCHAR', 'CodeCodingSystem': 'VARCHAR', 'CodeCodingVersion': 'VARCHAR', 'CodeCodingCode': 'VARCHAR', 'CodeCodingDisplay': 'VARCHAR', 'CodeCodingUserSelected': 'BOOLEAN', 'CodeText': 'VARCHAR', 'SubjectReference': 'VARCHAR', 'SubjectType': 'VARCHAR', 'SubjectIdentifierUse': 'VARCHAR', 'SubjectIdentifierTypeText': 'VARCHAR', 'SubjectIdentifierSystem': 'VARCHAR', 'SubjectIdentifierValue': 'VARCHAR', 'SubjectDisplay': 'VARCHAR', 'EncounterReference': 'VARCHAR', 'EncounterType': 'VARCHAR', 'EncounterIdentifierUse': 'VARCHAR', 'EncounterIdentifierTypeText': 'VARCHAR', 'EncounterIdentifierSystem': 'VARCHAR', 'EncounterIdentifierValue': 'VARCHAR', 'EncounterDisplay': 'VARCHAR', 'EffectiveDateTime': 'TIMESTAMPTZ', 'Issued': 'TIMESTAMPTZ', 'ValueQuantityValue': 'DECIMAL(38,18)', 'ValueQuantityComparator': 'VARCHAR', 'ValueQuantityUnit': 'VARCHAR', 'ValueQuantitySystem': 'VARCHAR', 'ValueQuantityCode': 'VARCHAR', 'ValueCodeableConceptCodingSystem': 'VARCHAR', 'ValueCodeableConceptCodingVersion': 'VARCHAR', 'ValueCodeableConceptCodingCode': 'VARCHAR', 'ValueCodeableConceptCodingDisplay': 'VARCHAR', 'ValueCodeableConceptCodingUserSelected': 'BOOLEAN', 'ValueCodeableConceptText': 'VARCHAR', 'ValueString': 'VARCHAR'});

CREATE OR REPLACE VIEW "LocalObservationCodeCoding" AS
SELECT "RowId", "ResourceId", "FhirPath", "ParentPath", "System", "Version", "Code", "Display", "UserSelected"
FROM read_csv([
    './data/LocalObservationCodeCoding/partition-data-Observation-sqltest.csv'
  ],
  header = true, auto_detect = false, delim = ',', quote = '"', escape = '"',
  new_line = '\r\n', hive_partitioning = false,
  columns = {'RowId': 'VARCHAR', 'ResourceId': 'VARCHAR', 'FhirPath': 'VARCHAR', 'ParentPath': 'VARCHAR', 'System': 'VARCHAR', 'Version': 'VARCHAR', 'Code': 'VARCHAR', 'Display': 'VARCHAR', 'UserSelected': 'BOOLEAN'});

CREATE OR REPLACE VIEW "LocalObservationComponent" AS
SELECT "RowId", "ResourceId", "FhirPath", "ParentPath", "CodeText", "ValueQuantityValue", "ValueQuantityComparator", "ValueQuantityUnit", "ValueQuantitySystem", "ValueQuantityCode", "ValueCodeableConceptText", "ValueString"
FROM read_csv([
    './data/LocalObservationComponent/partition-data-Observation-sqltest.csv'
  ],
  header = true, auto_detect = false, delim = ',', quote = '"', escape = '"',
  new_line = '\r\n', hive_partitioning = false,
  columns = {'RowId': 'VARCHAR', 'ResourceId': 'VARCHAR', 'FhirPath': 'VARCHAR', 'ParentPath': 'VARCHAR', 'CodeText': 'VARCHAR', 'ValueQuantityValue': 'DECIMAL(38,18)', 'ValueQuantityComparator': 'VARCHAR', 'ValueQuantityUnit': 'VARCHAR', 'ValueQuantitySystem': 'VARCHAR', 'ValueQuantityCode': 'VARCHAR', 'ValueCodeableConceptText': 'VARCHAR', 'ValueString': 'VARCHAR'});

CREATE OR REPLACE VIEW "LocalPatient" AS
SELECT "ResourceId", "Id", "MetaLastUpdated", "IdentifierUse", "IdentifierTypeCodingSystem", "IdentifierTypeCodingVersion", "IdentifierTypeCodingCode", "IdentifierTypeCodingDisplay", "IdentifierTypeCodingUserSelected", "IdentifierTypeText", "IdentifierSystem", "IdentifierValue", "IdentifierPeriodStart", "IdentifierPeriodEnd", "IdentifierAssignerReference", "IdentifierAssignerType", "IdentifierAssignerDisplay", "Active", "NameUse", "NameText", "NameFamily", "NamePeriodStart", "NamePeriodEnd", "NameGiven", "NameGivenAll", "NamePrefix", "NameSuffix", "TelecomSystem", "TelecomValue", "TelecomUse", "TelecomRank", "TelecomPeriodStart", "TelecomPeriodEnd", "Gender", "BirthDate", "AddressUse", "AddressType", "AddressText", "AddressCity", "AddressDistrict", "AddressState", "AddressPostalCode", "AddressCountry", "AddressPeriodStart", "AddressPeriodEnd", "AddressLine", "AddressLines", "MaritalStatusCodingSystem", "MaritalStatusCodingVersion", "MaritalStatusCodingCode", "MaritalStatusCodingDisplay", "MaritalStatusCodingUserSelected", "MaritalStatusText", "MultipleBirthInteger", "CommunicationLanguageText", "CommunicationPreferred", "GeneralPractitionerReference", "GeneralPractitionerType", "GeneralPractitionerIdentifierUse", "GeneralPractitionerIdentifierTypeText", "GeneralPractitionerIdentifierSystem", "GeneralPractitionerIdentifierValue", "GeneralPractitionerDisplay", "ManagingOrganizationReference", "ManagingOrganizationType", "ManagingOrganizationIdentifierUse", "ManagingOrganizationIdentifierTypeText", "ManagingOrganizationIdentifierSystem", "ManagingOrganizationIdentifierValue", "ManagingOrganizationDisplay", "Meta", "MetaProfile", "DeceasedBoolean", "DeceasedDateTime", "MultipleBirthBoolean", "PreferredLanguage"
FROM read_csv([
    './data/LocalPatient/partition-data-Patient-sqltest.csv'
  ],
  header = true, auto_detect = false, delim = ',', quote = '"', escape = '"',
  new_line = '\r\n', hive_partitioning = false,
  columns = {'ResourceId': 'VARCHAR', 'Id': 'VARCHAR', 'MetaLastUpdated': 'TIMESTAMPTZ', 'IdentifierUse': 'VARCHAR', 'IdentifierTypeCodingSystem': 'VARCHAR', 'IdentifierTypeCodingVersion': 'VARCHAR', 'IdentifierTypeCodingCode': 'VARCHAR', 'IdentifierTypeCodingDisplay': 'VARCHAR', 'IdentifierTypeCodingUserSelected': 'BOOLEAN', 'IdentifierTypeText': 'VARCHAR', 'IdentifierSystem': 'VARCHAR', 'IdentifierValue': 'VARCHAR', 'IdentifierPeriodStart': 'TIMESTAMPTZ', 'IdentifierPeriodEnd': 'TIMESTAMPTZ', 'IdentifierAssignerReference': 'VARCHAR', 'IdentifierAssignerType': 'VARCHAR', 'IdentifierAssignerDisplay': 'VARCHAR', 'Active': 'BOOLEAN', 'NameUse': 'VARCHAR', 'NameText': 'VARCHAR', 'NameFamily': 'VARCHAR', 'NamePeriodStart': 'TIMESTAMPTZ', 'NamePeriodEnd': 'TIMESTAMPTZ', 'NameGiven': 'VARCHAR', 'NameGivenAll': 'VARCHAR', 'NamePrefix': 'VARCHAR', 'NameSuffix': 'VARCHAR', 'TelecomSystem': 'VARCHAR', 'TelecomValue': 'VARCHAR', 'TelecomUse': 'VARCHAR', 'TelecomRank': 'BIGINT', 'TelecomPeriodStart': 'TIMESTAMPTZ', 'TelecomPeriodEnd': 'TIMESTAMPTZ', 'Gender': 'VARCHAR', 'BirthDate': 'TIMESTAMPTZ', 'AddressUse': 'VARCHAR', 'AddressType': 'VARCHAR', 'AddressText': 'VARCHAR', 'AddressCity': 'VARCHAR', 'AddressDistrict': 'VARCHAR', 'AddressState': 'VARCHAR', 'AddressPostalCode': 'VARCHAR', 'AddressCountry': 'VARCHAR', 'AddressPeriodStart': 'TIMESTAMPTZ', 'AddressPeriodEnd': 'TIMESTAMPTZ', 'AddressLine': 'VARCHAR', 'AddressLines': 'VARCHAR', 'MaritalStatusCodingSystem': 'VARCHAR', 'MaritalStatusCodingVersion': 'VARCHAR', 'MaritalStatusCodingCode': 'VARCHAR', 'MaritalStatusCodingDisplay': 'VARCHAR', 'MaritalStatusCodingUserSelected': 'BOOLEAN', 'MaritalStatusText': 'VARCHAR', 'MultipleBirthInteger': 'BIGINT', 'CommunicationLanguageText': 'VARCHAR', 'CommunicationPreferred': 'BOOLEAN', 'GeneralPractitionerReference': 'VARCHAR', 'GeneralPractitionerType': 'VARCHAR', 'GeneralPractitionerIdentifierUse': 'VARCHAR', 'GeneralPractitionerIdentifierTypeText': 'VARCHAR', 'GeneralPractitionerIdentifierSystem': 'VARCHAR', 'GeneralPractitionerIdentifierValue': 'VARCHAR', 'GeneralPractitionerDisplay': 'VARCHAR', 'ManagingOrganizationReference': 'VARCHAR', 'ManagingOrganizationType': 'VARCHAR', 'ManagingOrganizationIdentifierUse': 'VARCHAR', 'ManagingOrganizationIdentifierTypeText': 'VARCHAR', 'ManagingOrganizationIdentifierSystem': 'VARCHAR', 'ManagingOrganizationIdentifierValue': 'VARCHAR', 'ManagingOrganizationDisplay': 'VARCHAR', 'Meta': 'VARCHAR', 'MetaProfile': 'VARCHAR', 'DeceasedBoolean': 'BOOLEAN', 'DeceasedDateTime': 'TIMESTAMPTZ', 'MultipleBirthBoolean': 'BOOLEAN', 'PreferredLanguage': 'VARCHAR'});

CREATE OR REPLACE VIEW "LocalPatientAddress" AS
SELECT "RowId", "ResourceId", "FhirPath", "ParentPath", "Use", "Type", "Text", "City", "District", "State", "PostalCode", "Country", "PeriodStart", "PeriodEnd", "Line", "Lines"
FROM read_csv([
    './data/LocalPatientAddress/partition-data-Patient-sqltest.csv'
  ],
  header = true, auto_detect = false, delim = ',', quote = '"', escape = '"',
  new_line = '\r\n', hive_partitioning = false,
  columns = {'RowId': 'VARCHAR', 'ResourceId': 'VARCHAR', 'FhirPath': 'VARCHAR', 'ParentPath': 'VARCHAR', 'Use': 'VARCHAR', 'Type': 'VARCHAR', 'Text': 'VARCHAR', 'City': 'VARCHAR', 'District': 'VARCHAR', 'State': 'VARCHAR', 'PostalCode': 'VARCHAR', 'Country': 'VARCHAR', 'PeriodStart': 'TIMESTAMPTZ', 'PeriodEnd': 'TIMESTAMPTZ', 'Line': 'VARCHAR', 'Lines': 'VARCHAR'});

CREATE OR REPLACE VIEW "LocalPatientExtension" AS
SELECT "RowId", "ResourceId", "FhirPath", "ParentPath", "Url", "ValueString", "ValueCode", "ValueDecimal", "ValueAddressUse", "ValueAddressType", "ValueAddressText", "ValueAddressCity", "ValueAddressDistrict", "ValueAddressState", "ValueAddressPostalCode", "ValueAddressCountry", "ValueAddressLine", "ValueAddressLines", "Extension"
FROM read_csv([
    './data/LocalPatientExtension/partition-data-Patient-sqltest.csv'
  ],
  header = true, auto_detect = false, delim = ',', quote = '"', escape = '"',
  new_line = '\r\n', hive_partitioning = false,
  columns = {'RowId': 'VARCHAR', 'ResourceId': 'VARCHAR', 'FhirPath': 'VARCHAR', 'ParentPath': 'VARCHAR', 'Url': 'VARCHAR', 'ValueString': 'VARCHAR', 'ValueCode': 'VARCHAR', 'ValueDecimal': 'DECIMAL(38,18)', 'ValueAddressUse': 'VARCHAR', 'ValueAddressType': 'VARCHAR', 'ValueAddressText': 'VARCHAR', 'ValueAddressCity': 'VARCHAR', 'ValueAddressDistrict': 'VARCHAR', 'ValueAddressState': 'VARCHAR', 'ValueAddressPostalCode': 'VARCHAR', 'ValueAddressCountry': 'VARCHAR', 'ValueAddressLine': 'VARCHAR', 'ValueAddressLines': 'VARCHAR', 'Extension': 'VARCHAR'});

CREATE OR REPLACE VIEW "LocalPatientIdentifier" AS
SELECT "RowId", "ResourceId", "FhirPath", "ParentPath", "Use", "TypeCodingSystem", "TypeCodingVersion", "TypeCodingCode", "TypeCodingDisplay", "TypeCodingUserSelected", "TypeText", "System", "Value", "PeriodStart", "PeriodEnd", "AssignerReference", "AssignerType", "AssignerDisplay"
FROM read_csv([
    './data/LocalPatientIdentifier/partition-data-Patient-sqltest.csv'
  ],
  header = true, auto_detect = false, delim = ',', quote = '"', escape = '"',
  new_line = '\r\n', hive_partitioning = false,
  columns = {'RowId': 'VARCHAR', 'ResourceId': 'VARCHAR', 'FhirPath': 'VARCHAR', 'ParentPath': 'VARCHAR', 'Use': 'VARCHAR', 'TypeCodingSystem': 'VARCHAR', 'TypeCodingVersion': 'VARCHAR', 'TypeCodingCode': 'VARCHAR', 'TypeCodingDisplay': 'VARCHAR', 'TypeCodingUserSelected': 'BOOLEAN', 'TypeText': 'VARCHAR', 'System': 'VARCHAR', 'Value': 'VARCHAR', 'PeriodStart': 'TIMESTAMPTZ', 'PeriodEnd': 'TIMESTAMPTZ', 'AssignerReference': 'VARCHAR', 'AssignerType': 'VARCHAR', 'AssignerDisplay': 'VARCHAR'});

CREATE OR REPLACE VIEW "LocalPatientName" AS
SELECT "RowId", "ResourceId", "FhirPath", "ParentPath", "Use", "Text", "Family", "PeriodStart", "PeriodEnd", "Given", "GivenAll", "Prefix", "Suffix"
FROM read_csv([
    './data/LocalPatientName/partition-data-Patient-sqltest.csv'
  ],
  header = true, auto_detect = false, delim = ',', quote = '"', escape = '"',
  new_line = '\r\n', hive_partitioning = false,
  columns = {'RowId': 'VARCHAR', 'ResourceId': 'VARCHAR', 'FhirPath': 'VARCHAR', 'ParentPath': 'VARCHAR', 'Use': 'VARCHAR', 'Text': 'VARCHAR', 'Family': 'VARCHAR', 'PeriodStart': 'TIMESTAMPTZ', 'PeriodEnd': 'TIMESTAMPTZ', 'Given': 'VARCHAR', 'GivenAll': 'VARCHAR', 'Prefix': 'VARCHAR', 'Suffix': 'VARCHAR'});

CREATE OR REPLACE VIEW "LocalPatientTelecom" AS
SELECT "RowId", "ResourceId", "FhirPath", "ParentPath", "System", "Value", "Use", "Rank", "PeriodStart", "PeriodEnd"
FROM read_csv([
    './data/LocalPatientTelecom/partition-data-Patient-sqltest.csv'
  ],
  header = true, auto_detect = false, delim = ',', quote = '"', escape = '"',
  new_line = '\r\n', hive_partitioning = false,
  columns = {'RowId': 'VARCHAR', 'ResourceId': 'VARCHAR', 'FhirPath': 'VARCHAR', 'ParentPath': 'VARCHAR', 'System': 'VARCHAR', 'Value': 'VARCHAR', 'Use': 'VARCHAR', 'Rank': 'BIGINT', 'PeriodStart': 'TIMESTAMPTZ', 'PeriodEnd': 'TIMESTAMPTZ'});

CREATE OR REPLACE VIEW "LocalProcedure" AS
SELECT "ResourceId", "Id", "Status", "CodeCodingSystem", "CodeCodingVersion", "CodeCodingCode", "CodeCodingDisplay", "CodeCodingUserSelected", "CodeText", "SubjectReference", "SubjectType", "SubjectIdentifierUse", "SubjectIdentifierTypeText", "SubjectIdentifierSystem", "SubjectIdentifierValue", "SubjectDisplay", "EncounterReference", "EncounterType", "EncounterIdentifierUse", "EncounterIdentifierTypeText", "EncounterIdentifierSystem", "EncounterIdentifierValue", "EncounterDisplay", "PerformedPeriodStart", "PerformedPeriodEnd", "LocationReference", "LocationType", "LocationIdentifierUse", "LocationIdentifierTypeText", "LocationIdentifierSystem", "LocationIdentifierValue", "LocationDisplay", "ReasonReferenceReference", "ReasonReferenceType", "ReasonReferenceIdentifierUse", "ReasonReferenceIdentifierTypeText", "ReasonReferenceIdentifierSystem", "ReasonReferenceIdentifierValue", "ReasonReferenceDisplay", "PerformedDateTime"
FROM read_csv([
    './data/LocalProcedure/partition-data-Procedure-sqltest.csv'
  ],
  header = true, auto_detect = false, delim = ',', quote = '"', escape = '"',
  new_line = '\r\n', hive_partitioning = false,
  columns = {'ResourceId': 'VARCHAR', 'Id': 'VARCHAR', 'Status': 'VARCHAR', 'CodeCodingSystem': 'VARCHAR', 'CodeCodingVersion': 'VARCHAR', 'CodeCodingCode': 'VARCHAR', 'CodeCodingDisplay': 'VARCHAR', 'CodeCodingUserSelected': 'BOOLEAN', 'CodeText': 'VARCHAR', 'SubjectReference': 'VARCHAR', 'SubjectType': 'VARCHAR', 'SubjectIdentifierUse': 'VARCHAR', 'SubjectIdentifierTypeText': 'VARCHAR', 'SubjectIdentifierSystem': 'VARCHAR', 'SubjectIdentifierValue': 'VARCHAR', 'SubjectDisplay': 'VARCHAR', 'EncounterReference': 'VARCHAR', 'EncounterType': 'VARCHAR', 'EncounterIdentifierUse': 'VARCHAR', 'EncounterIdentifierTypeText': 'VARCHAR', 'EncounterIdentifierSystem': 'VARCHAR', 'EncounterIdentifierValue': 'VARCHAR', 'EncounterDisplay': 'VARCHAR', 'PerformedPeriodStart': 'TIMESTAMPTZ', 'PerformedPeriodEnd': 'TIMESTAMPTZ', 'LocationReference': 'VARCHAR', 'LocationType': 'VARCHAR', 'LocationIdentifierUse': 'VARCHAR', 'LocationIdentifierTypeText': 'VARCHAR', 'LocationIdentifierSystem': 'VARCHAR', 'LocationIdentifierValue': 'VARCHAR', 'LocationDisplay': 'VARCHAR', 'ReasonReferenceReference': 'VARCHAR', 'ReasonReferenceType': 'VARCHAR', 'ReasonReferenceIdentifierUse': 'VARCHAR', 'ReasonReferenceIdentifierTypeText': 'VARCHAR', 'ReasonReferenceIdentifierSystem': 'VARCHAR', 'ReasonReferenceIdentifierValue': 'VARCHAR', 'ReasonReferenceDisplay': 'VARCHAR', 'PerformedDateTime': 'TIMESTAMPTZ'});

CREATE OR REPLACE VIEW "LocalProcedureCodeCoding" AS
SELECT "RowId", "ResourceId", "FhirPath", "ParentPath", "System", "Version", "Code", "Display", "UserSelected"
FROM read_csv([
    './data/LocalProcedureCodeCoding/partition-data-Procedure-sqltest.csv'
  ],
  header = true, auto_detect = false, delim = ',', quote = '"', escape = '"',
  new_line = '\r\n', hive_partitioning = false,
  columns = {'RowId': 'VARCHAR', 'ResourceId': 'VARCHAR', 'FhirPath': 'VARCHAR', 'ParentPath': 'VARCHAR', 'System': 'VARCHAR', 'Version': 'VARCHAR', 'Code': 'VARCHAR', 'Display': 'VARCHAR', 'UserSelected': 'BOOLEAN'});

COMMIT;
