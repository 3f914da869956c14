-- Serverless SQL pool: one view per entity over OPENROWSET(FORMAT = 'PARQUET') listing
-- exactly the partitions model.manifest.cdm.json lists, columns typed from the entity
-- documents.  Idempotent: drops and recreates only the objects it creates.
IF DB_ID(N'fhir') IS NULL
    CREATE DATABASE [fhir];
GO
USE [fhir];
GO
IF SCHEMA_ID(N'cdm') IS NULL
    EXEC(N'CREATE SCHEMA [cdm]');
GO
IF OBJECT_ID(N'[cdm].[LocalAllergyIntolerance]', N'V') IS NOT NULL
    DROP VIEW [cdm].[LocalAllergyIntolerance];
IF EXISTS (SELECT * FROM sys.external_tables WHERE object_id = OBJECT_ID(N'[cdm].[LocalAllergyIntolerance_external]'))
    DROP EXTERNAL TABLE [cdm].[LocalAllergyIntolerance_external];
IF OBJECT_ID(N'[cdm].[LocalAllergyIntoleranceReactionManifestation]', N'V') IS NOT NULL
    DROP VIEW [cdm].[LocalAllergyIntoleranceReactionManifestation];
IF EXISTS (SELECT * FROM sys.external_tables WHERE object_id = OBJECT_ID(N'[cdm].[LocalAllergyIntoleranceReactionManifestation_external]'))
    DROP EXTERNAL TABLE [cdm].[LocalAllergyIntoleranceReactionManifestation_external];
IF OBJECT_ID(N'[cdm].[LocalCondition]', N'V') IS NOT NULL
    DROP VIEW [cdm].[LocalCondition];
IF EXISTS (SELECT * FROM sys.external_tables WHERE object_id = OBJECT_ID(N'[cdm].[LocalCondition_external]'))
    DROP EXTERNAL TABLE [cdm].[LocalCondition_external];
IF OBJECT_ID(N'[cdm].[LocalConditionCodeCoding]', N'V') IS NOT NULL
    DROP VIEW [cdm].[LocalConditionCodeCoding];
IF EXISTS (SELECT * FROM sys.external_tables WHERE object_id = OBJECT_ID(N'[cdm].[LocalConditionCodeCoding_external]'))
    DROP EXTERNAL TABLE [cdm].[LocalConditionCodeCoding_external];
IF OBJECT_ID(N'[cdm].[LocalEncounter]', N'V') IS NOT NULL
    DROP VIEW [cdm].[LocalEncounter];
IF EXISTS (SELECT * FROM sys.external_tables WHERE object_id = OBJECT_ID(N'[cdm].[LocalEncounter_external]'))
    DROP EXTERNAL TABLE [cdm].[LocalEncounter_external];
IF OBJECT_ID(N'[cdm].[LocalEncounterParticipant]', N'V') IS NOT NULL
    DROP VIEW [cdm].[LocalEncounterParticipant];
IF EXISTS (SELECT * FROM sys.external_tables WHERE object_id = OBJECT_ID(N'[cdm].[LocalEncounterParticipant_external]'))
    DROP EXTERNAL TABLE [cdm].[LocalEncounterParticipant_external];
IF OBJECT_ID(N'[cdm].[LocalEncounterTypeCoding]', N'V') IS NOT NULL
    DROP VIEW [cdm].[LocalEncounterTypeCoding];
IF EXISTS (SELECT * FROM sys.external_tables WHERE object_id = OBJECT_ID(N'[cdm].[LocalEncounterTypeCoding_external]'))
    DROP EXTERNAL TABLE [cdm].[LocalEncounterTypeCoding_external];
IF OBJECT_ID(N'[cdm].[LocalImmunization]', N'V') IS NOT NULL
    DROP VIEW [cdm].[LocalImmunization];
IF EXISTS (SELECT * FROM sys.external_tables WHERE object_id = OBJECT_ID(N'[cdm].[LocalImmunization_external]'))
    DROP EXTERNAL TABLE [cdm].[LocalImmunization_external];
IF OBJECT_ID(N'[cdm].[LocalLocation]', N'V') IS NOT NULL
    DROP VIEW [cdm].[LocalLocation];
IF EXISTS (SELECT * FROM sys.external_tables WHERE object_id = OBJECT_ID(N'[cdm].[LocalLocation_external]'))
    DROP EXTERNAL TABLE [cdm].[LocalLocation_external];
IF OBJECT_ID(N'[cdm].[LocalMedicationRequest]', N'V') IS NOT NULL
    DROP VIEW [cdm].[LocalMedicationRequest];
IF EXISTS (SELECT * FROM sys.external_tables WHERE object_id = OBJECT_ID(N'[cdm].[LocalMedicationRequest_external]'))
    DROP EXTERNAL TABLE [cdm].[LocalMedicationRequest_external];
IF OBJECT_ID(N'[cdm].[LocalMedicationRequestDosageInstruction]', N'V') IS NOT NULL
    DROP VIEW [cdm].[LocalMedicationRequestDosageInstruction];
IF EXISTS (SELECT * FROM sys.external_tables WHERE object_id = OBJECT_ID(N'[cdm].[LocalMedicationRequestDosageInstruction_external]'))
    DROP EXTERNAL TABLE [cdm].[LocalMedicationRequestDosageInstruction_external];
IF OBJECT_ID(N'[cdm].[LocalObservation]', N'V') IS NOT NULL
    DROP VIEW [cdm].[LocalObservation];
IF EXISTS (SELECT * FROM sys.external_tables WHERE object_id = OBJECT_ID(N'[cdm].[LocalObservation_external]'))
    DROP EXTERNAL TABLE [cdm].[LocalObservation_external];
IF OBJECT_ID(N'[cdm].[LocalObservationCodeCoding]', N'V') IS NOT NULL
    DROP VIEW [cdm].[LocalObservationCodeCoding];
IF EXISTS (SELECT * FROM sys.external_tables WHERE object_id = OBJECT_ID(N'[cdm].[LocalObservationCodeCoding_external]'))
    DROP EXTERNAL TABLE [cdm].[LocalObservationCodeCoding_external];
IF OBJECT_ID(N'[cdm].[LocalObservationComponent]', N'V') IS NOT NULL
    DROP VIEW [cdm].[LocalObservationComponent];
IF EXISTS (SELECT * FROM sys.external_tables WHERE object_id = OBJECT_ID(N'[cdm].[LocalObservationComponent_external]'))
    DROP EXTERNAL TABLE [cdm].[LocalObservationComponent_external];
IF OBJECT_ID(N'[cdm].[LocalPatient]', N'V') IS NOT NULL
    DROP VIEW [cdm].[LocalPatient];
IF EXISTS (SELECT * FROM sys.external_tables WHERE object_id = OBJECT_ID(N'[cdm].[LocalPatient_external]'))
    DROP EXTERNAL TABLE [cdm].[LocalPatient_external];
IF OBJECT_ID(N'[cdm].[LocalPatientAddress]', N'V') IS NOT NULL
    DROP VIEW [cdm].[LocalPatientAddress];
IF EXISTS (SELECT * FROM sys.external_tables WHERE object_id = OBJECT_ID(N'[cdm].[LocalPatientAddress_external]'))
    DROP EXTERNAL TABLE [cdm].[LocalPatientAddress_external];
IF OBJECT_ID(N'[cdm].[LocalPatientExtension]', N'V') IS NOT NULL
    DROP VIEW [cdm].[LocalPatientExtension];
IF EXISTS (SELECT * FROM sys.external_tables WHERE object_id = OBJECT_ID(N'[cdm].[LocalPatientExtension_external]'))
    DROP EXTERNAL TABLE [cdm].[LocalPatientExtension_external];
IF OBJECT_ID(N'[cdm].[LocalPatientIdentifier]', N'V') IS NOT NULL
    DROP VIEW [cdm].[LocalPatientIdentifier];
IF EXISTS (SELECT * FROM sys.external_tables WHERE object_id = OBJECT_ID(N'[cdm].[LocalPatientIdentifier_external]'))
    DROP EXTERNAL TABLE [cdm].[LocalPatientIdentifier_external];
IF OBJECT_ID(N'[cdm].[LocalPatientName]', N'V') IS NOT NULL
    DROP VIEW [cdm].[LocalPatientName];
IF EXISTS (SELECT * FROM sys.external_tables WHERE object_id = OBJECT_ID(N'[cdm].[LocalPatientName_external]'))
    DROP EXTERNAL TABLE [cdm].[LocalPatientName_external];
IF OBJECT_ID(N'[cdm].[LocalPatientTelecom]', N'V') IS NOT NULL
    DROP VIEW [cdm].[LocalPatientTelecom];
IF EXISTS (SELECT * FROM sys.external_tables WHERE object_id = OBJECT_ID(N'[cdm].[LocalPatientTelecom_external]'))
    DROP EXTERNAL TABLE [cdm].[LocalPatientTelecom_external];
IF OBJECT_ID(N'[cdm].[LocalProcedure]', N'V') IS NOT NULL
    DROP VIEW [cdm].[LocalProcedure];
IF EXISTS (SELECT * FROM sys.external_tables WHERE object_id = OBJECT_ID(N'[cdm].[LocalProcedure_external]'))
    DROP EXTERNAL TABLE [cdm].[LocalProcedure_external];
IF OBJECT_ID(N'[cdm].[LocalProcedureCodeCoding]', N'V') IS NOT NULL
    DROP VIEW [cdm].[LocalProcedureCodeCoding];
IF EXISTS (SELECT * FROM sys.external_tables WHERE object_id = OBJECT_ID(N'[cdm].[LocalProcedureCodeCoding_external]'))
    DROP EXTERNAL TABLE [cdm].[LocalProcedureCodeCoding_external];
IF EXISTS (SELECT * FROM sys.external_file_formats WHERE name = N'fhir2cdm_csv')
    DROP EXTERNAL FILE FORMAT [fhir2cdm_csv];
IF EXISTS (SELECT * FROM sys.external_data_sources WHERE name = N'fhir2cdm_cdm_folder')
    DROP EXTERNAL DATA SOURCE [fhir2cdm_cdm_folder];
GO

CREATE EXTERNAL DATA SOURCE [fhir2cdm_cdm_folder]
    WITH (LOCATION = 'https://fhiracct.dfs.core.windows.net/cdm/exports/run1');
GO

CREATE VIEW [cdm].[LocalAllergyIntolerance] AS
SELECT * FROM OPENROWSET(
    BULK ('data/LocalAllergyIntolerance/partition-data-AllergyIntolerance-sqltest.parquet'),
    DATA_SOURCE = 'fhir2cdm_cdm_folder', FORMAT = 'PARQUET')
  WITH (
    [ResourceId] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [Id] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [ClinicalStatusCodingSystem] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [ClinicalStatusCodingVersion] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [ClinicalStatusCodingCode] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [ClinicalStatusCodingDisplay] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [ClinicalStatusCodingUserSelected] bit,
    [ClinicalStatusText] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [VerificationStatusCodingSystem] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [VerificationStatusCodingVersion] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [VerificationStatusCodingCode] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [VerificationStatusCodingDisplay] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [VerificationStatusCodingUserSelected] bit,
    [VerificationStatusText] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [Type] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [Criticality] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [CodeCodingSystem] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [CodeCodingVersion] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [CodeCodingCode] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [CodeCodingDisplay] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [CodeCodingUserSelected] bit,
    [CodeText] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [PatientReference] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [PatientType] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [PatientIdentifierUse] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [PatientIdentifierTypeText] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [PatientIdentifierSystem] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [PatientIdentifierValue] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [PatientDisplay] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [RecordedDate] datetime2(6),
    [ReactionSubstanceText] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [ReactionManifestationText] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [ReactionDescription] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [ReactionOnset] datetime2(6),
    [ReactionSeverity] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [Category] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8
  ) AS [rows];
GO

CREATE VIEW [cdm].[LocalAllergyIntoleranceReactionManifestation] AS
SELECT * FROM OPENROWSET(
    BULK ('data/LocalAllergyIntoleranceReactionManifestation/partition-data-AllergyIntolerance-sqltest.parquet'),
    DATA_SOURCE = 'fhir2cdm_cdm_folder', FORMAT = 'PARQUET')
  WITH (
    [RowId] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [ResourceId] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [FhirPath] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [ParentPath] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [CodingSystem] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [CodingVersion] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [CodingCode] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [CodingDisplay] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [CodingUserSelected] bit,
    [Text] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8
  ) AS [rows];
GO

CREATE VIEW [cdm].[LocalCondition] AS
SELECT * FROM OPENROWSET(
    BULK ('data/LocalCondition/partition-data-Condition-sqltest.parquet'),
    DATA_SOURCE = 'fhir2cdm_cdm_folder', FORMAT = 'PARQUET')
  WITH (
    [ResourceId] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [Id] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [ClinicalStatusCodingSystem] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [ClinicalStatusCodingVersion] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [ClinicalStatusCodingCode] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [ClinicalStatusCodingDisplay] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [ClinicalStatusCodingUserSelected] bit,
    [ClinicalStatusText] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [VerificationStatusCodingSystem] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [VerificationStatusCodingVersion] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [VerificationStatusCodingCode] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [VerificationStatusCodingDisplay] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [VerificationStatusCodingUserSelected] bit,
    [VerificationStatusText] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [CategoryCodingSystem] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [CategoryCodingVersion] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [CategoryCodingCode] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [CategoryCodingDisplay] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [CategoryCodingUserSelected] bit,
    [CategoryText] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [CodeCodingSystem] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [CodeCodingVersion] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [CodeCodingCode] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [CodeCodingDisplay] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [CodeCodingUserSelected] bit,
    [CodeText] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [SubjectReference] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [SubjectType] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [SubjectIdentifierUse] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [SubjectIdentifierTypeText] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [SubjectIdentifierSystem] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [SubjectIdentifierValue] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [SubjectDisplay] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [EncounterReference] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [EncounterType] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [EncounterIdentifierUse] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [EncounterIdentifierTypeText] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [EncounterIdentifierSystem] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [EncounterIdentifierValue] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [EncounterDisplay] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [AbatementDateTime] datetime2(6),
    [RecordedDate] datetime2(6),
    [OnsetDateTime] datetime2(6)
  ) AS [rows];
GO

CREATE VIEW [cdm].[LocalConditionCodeCoding] AS
SELECT * FROM OPENROWSET(
    BULK ('data/LocalConditionCodeCoding/partition-data-Condition-sqltest.parquet'),
    DATA_SOURCE = 'fhir2cdm_cdm_folder', FORMAT = 'PARQUET')
  WITH (
    [RowId] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [ResourceId] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [FhirPath] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [ParentPath] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [System] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [Version] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [Code] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [Display] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [UserSelected] bit
  ) AS [rows];
GO

CREATE VIEW [cdm].[LocalEncounter] AS
SELECT * FROM OPENROWSET(
    BULK ('data/LocalEncounter/partition-data-Encounter-sqltest.parquet'),
    DATA_SOURCE = 'fhir2cdm_cdm_folder', FORMAT = 'PARQUET')
  WITH (
    [ResourceId] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [Id] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [IdentifierUse] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [IdentifierTypeCodingSystem] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [IdentifierTypeCodingVersion] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [IdentifierTypeCodingCode] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [IdentifierTypeCodingDisplay] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [IdentifierTypeCodingUserSelected] bit,
    [IdentifierTypeText] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [IdentifierSystem] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [IdentifierValue] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [IdentifierPeriodStart] datetime2(6),
    [IdentifierPeriodEnd] datetime2(6),
    [IdentifierAssignerReference] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [IdentifierAssignerType] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [IdentifierAssignerDisplay] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [Status] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [ClassSystem] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [ClassVersion] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [ClassCode] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [ClassDisplay] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [ClassUserSelected] bit,
    [TypeCodingSystem] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [TypeCodingVersion] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [TypeCodingCode] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [TypeCodingDisplay] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [TypeCodingUserSelected] bit,
    [TypeText] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [SubjectReference] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [SubjectType] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [SubjectIdentifierUse] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [SubjectIdentifierTypeText] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [SubjectIdentifierSystem] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [SubjectIdentifierValue] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [SubjectDisplay] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [ParticipantTypeCodingSystem] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [ParticipantTypeCodingVersion] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [ParticipantTypeCodingCode] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [ParticipantTypeCodingDisplay] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [ParticipantTypeCodingUserSelected] bit,
    [ParticipantTypeText] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [ParticipantPeriodStart] datetime2(6),
    [ParticipantPeriodEnd] datetime2(6),
    [ParticipantIndividualReference] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [ParticipantIndividualType] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [ParticipantIndividualDisplay] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [PeriodStart] datetime2(6),
    [PeriodEnd] datetime2(6),
    [ReasonCodeCodingSystem] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [ReasonCodeCodingVersion] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [ReasonCodeCodingCode] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [ReasonCodeCodingDisplay] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [ReasonCodeCodingUserSelected] bit,
    [ReasonCodeText] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [HospitalizationAdmitSourceText] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [HospitalizationDischargeDispositionText] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [LocationLocationReference] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [LocationLocationType] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [LocationLocationDisplay] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [LocationStatus] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [LocationPeriodStart] datetime2(6),
    [LocationPeriodEnd] datetime2(6),
    [ServiceProviderReference] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [ServiceProviderType] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [ServiceProviderIdentifierUse] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [ServiceProviderIdentifierTypeText] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [ServiceProviderIdentifierSystem] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [ServiceProviderIdentifierValue] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [ServiceProviderDisplay] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8
  ) AS [rows];
GO

CREATE VIEW [cdm].[LocalEncounterParticipant] AS
SELECT * FROM OPENROWSET(
    BULK ('data/LocalEncounterParticipant/partition-data-Encounter-sqltest.parquet'),
    DATA_SOURCE = 'fhir2cdm_cdm_folder', FORMAT = 'PARQUET')
  WITH (
    [RowId] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [ResourceId] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [FhirPath] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [ParentPath] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [TypeCodingSystem] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [TypeCodingVersion] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [TypeCodingCode] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [TypeCodingDisplay] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [TypeCodingUserSelected] bit,
    [TypeText] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [PeriodStart] datetime2(6),
    [PeriodEnd] datetime2(6),
    [IndividualReference] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [IndividualType] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [IndividualDisplay] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8
  ) AS [rows];
GO

CREATE VIEW [cdm].[LocalEncounterTypeCoding] AS
SELECT * FROM OPENROWSET(
    BULK ('data/LocalEncounterTypeCoding/partition-data-Encounter-sqltest.parquet'),
    DATA_SOURCE = 'fhir2cdm_cdm_folder', FORMAT = 'PARQUET')
  WITH (
    [RowId] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [ResourceId] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [FhirPath] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [ParentPath] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [System] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [Version] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [Code] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [Display] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [UserSelected] bit
  ) AS [rows];
GO

CREATE VIEW [cdm].[LocalImmunization] AS
SELECT * FROM OPENROWSET(
    BULK ('data/LocalImmunization/partition-data-Immunization-sqltest.parquet'),
    DATA_SOURCE = 'fhir2cdm_cdm_folder', FORMAT = 'PARQUET')
  WITH (
    [ResourceId] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [Id] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [Status] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [VaccineCodeCodingSystem] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [VaccineCodeCodingVersion] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [VaccineCodeCodingCode] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [VaccineCodeCodingDisplay] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [VaccineCodeCodingUserSelected] bit,
    [VaccineCodeText] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [PatientReference] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [PatientType] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [PatientIdentifierUse] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [PatientIdentifierTypeText] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [PatientIdentifierSystem] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [PatientIdentifierValue] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [PatientDisplay] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [EncounterReference] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [EncounterType] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [EncounterIdentifierUse] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [EncounterIdentifierTypeText] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [EncounterIdentifierSystem] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [EncounterIdentifierValue] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [EncounterDisplay] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [PrimarySource] bit,
    [LocationReference] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [LocationType] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [LocationIdentifierUse] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [LocationIdentifierTypeText] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [LocationIdentifierSystem] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [LocationIdentifierValue] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [LocationDisplay] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [OccurrenceDateTime] datetime2(6)
  ) AS [rows];
GO

CREATE VIEW [cdm].[LocalLocation] AS
SELECT * FROM OPENROWSET(
    BULK ('data/LocalLocation/partition-data-Location-sqltest.parquet'),
    DATA_SOURCE = 'fhir2cdm_cdm_folder', FORMAT = 'PARQUET')
  WITH (
    [ResourceId] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [Id] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [Status] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [Name] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [TelecomSystem] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [TelecomValue] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [TelecomUse] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [TelecomRank] int,
    [TelecomPeriodStart] datetime2(6),
    [TelecomPeriodEnd] datetime2(6),
    [AddressUse] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [AddressType] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [AddressText] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [AddressCity] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [AddressDistrict] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [AddressState] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [AddressPostalCode] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [AddressCountry] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [AddressPeriodStart] datetime2(6),
    [AddressPeriodEnd] datetime2(6),
    [AddressLine] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [AddressLines] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [PositionLongitude] decimal(38,18),
    [PositionLatitude] decimal(38,18),
    [PositionAltitude] decimal(38,18),
    [ManagingOrganizationReference] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [ManagingOrganizationType] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [ManagingOrganizationIdentifierUse] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [ManagingOrganizationIdentifierTypeText] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [ManagingOrganizationIdentifierSystem] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [ManagingOrganizationIdentifierValue] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [ManagingOrganizationDisplay] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8
  ) AS [rows];
GO

CREATE VIEW [cdm].[LocalMedicationRequest] AS
SELECT * FROM OPENROWSET(
    BULK ('data/LocalMedicationRequest/partition-data-MedicationRequest-sqltest.parquet'),
    DATA_SOURCE = 'fhir2cdm_cdm_folder', FORMAT = 'PARQUET')
  WITH (
    [ResourceId] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [Id] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [Status] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [Intent] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [CategoryCodingSystem] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [CategoryCodingVersion] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [CategoryCodingCode] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [CategoryCodingDisplay] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [CategoryCodingUserSelected] bit,
    [CategoryText] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [MedicationCodeableConceptCodingSystem] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [MedicationCodeableConceptCodingVersion] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [MedicationCodeableConceptCodingCode] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [MedicationCodeableConceptCodingDisplay] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [MedicationCodeableConceptCodingUserSelected] bit,
    [MedicationCodeableConceptText] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [SubjectReference] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [SubjectType] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [SubjectIdentifierUse] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [SubjectIdentifierTypeText] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [SubjectIdentifierSystem] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [SubjectIdentifierValue] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [SubjectDisplay] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [EncounterReference] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [EncounterType] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [EncounterIdentifierUse] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [EncounterIdentifierTypeText] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [EncounterIdentifierSystem] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [EncounterIdentifierValue] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [EncounterDisplay] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [AuthoredOn] datetime2(6),
    [RequesterReference] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [RequesterType] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [RequesterIdentifierUse] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [RequesterIdentifierTypeText] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [RequesterIdentifierSystem] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [RequesterIdentifierValue] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [RequesterDisplay] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [ReasonReferenceReference] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [ReasonReferenceType] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [ReasonReferenceIdentifierUse] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [ReasonReferenceIdentifierTypeText] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [ReasonReferenceIdentifierSystem] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [ReasonReferenceIdentifierValue] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [ReasonReferenceDisplay] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [DosageInstructionSequence] int,
    [DosageInstructionText] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [DosageInstructionAsNeededBoolean] bit,
    [DosageInstructionTimingRepeatFrequency] int,
    [DosageInstructionTimingRepeatPeriod] decimal(38,18),
    [DosageInstructionTimingRepeatPeriodUnit] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [DosageInstructionRouteText] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [DosageInstructionDoseAndRateDoseQuantityValue] decimal(38,18),
    [DosageInstructionDoseAndRateDoseQuantityComparator] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [DosageInstructionDoseAndRateDoseQuantityUnit] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [DosageInstructionDoseAndRateDoseQuantitySystem] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [DosageInstructionDoseAndRateDoseQuantityCode] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [DosageInstructionDoseAndRate] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8
  ) AS [rows];
GO

CREATE VIEW [cdm].[LocalMedicationRequestDosageInstruction] AS
SELECT * FROM OPENROWSET(
    BULK ('data/LocalMedicationRequestDosageInstruction/partition-data-MedicationRequest-sqltest.parquet'),
    DATA_SOURCE = 'fhir2cdm_cdm_folder', FORMAT = 'PARQUET')
  WITH (
    [RowId] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [ResourceId] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [FhirPath] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [ParentPath] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [Sequence] int,
    [Text] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [AsNeededBoolean] bit,
    [TimingRepeatFrequency] int,
    [TimingRepeatPeriod] decimal(38,18),
    [TimingRepeatPeriodUnit] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [RouteText] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [DoseAndRateDoseQuantityValue] decimal(38,18),
    [DoseAndRateDoseQuantityComparator] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [DoseAndRateDoseQuantityUnit] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [DoseAndRateDoseQuantitySystem] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [DoseAndRateDoseQuantityCode] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [DoseAndRate] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8
  ) AS [rows];
GO

CREATE VIEW [cdm].[LocalObservation] AS
SELECT * FROM OPENROWSET(
    BULK ('data/LocalObservation/partition-data-Observation-sqltest.parquet'),
    DATA_SOURCE = 'fhir2cdm_cdm_folder', FORMAT = 'PARQUET')
  WITH (
    [ResourceId] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [Id] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [Status] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [CategoryCodingSystem] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [CategoryCodingVersion] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [CategoryCodingCode] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [CategoryCodingDisplay] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [CategoryCodingUserSelected] bit,
    [CategoryText] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [CodeCodingSystem] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [CodeCodingVersion] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [CodeCodingCode] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [CodeCodingDisplay] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [CodeCodingUserSelected] bit,
    [CodeText] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [SubjectReference] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [SubjectType] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [SubjectIdentifierUse] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [SubjectIdentifierTypeText] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [SubjectIdentifierSystem] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [SubjectIdentifierValue] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [SubjectDisplay] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [EncounterReference] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [EncounterType] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [EncounterIdentifierUse] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [EncounterIdentifierTypeText] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [EncounterIdentifierSystem] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [EncounterIdentifierValue] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [EncounterDisplay] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [EffectiveDateTime] datetime2(6),
    [Issued] datetime2(6),
    [ValueQuantityValue] decimal(38,18),
    [ValueQuantityComparator] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [ValueQuantityUnit] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [ValueQuantitySystem] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [ValueQuantityCode] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [ValueCodeableConceptCodingSystem] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [ValueCodeableConceptCodingVersion] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [ValueCodeableConceptCodingCode] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [ValueCodeableConceptCodingDisplay] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [ValueCodeableConceptCodingUserSelected] bit,
    [ValueCodeableConceptText] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [ValueString] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8
  ) AS [rows];
GO

CREATE VIEW [cdm].[LocalObservationCodeCoding] AS
SELECT * FROM OPENROWSET(
    BULK ('data/LocalObservationCodeCoding/partition-data-Observation-sqltest.parquet'),
    DATA_SOURCE = 'fhir2cdm_cdm_folder', FORMAT = 'PARQUET')
  WITH (
    [RowId] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [ResourceId] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [FhirPath] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [ParentPath] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [System] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [Version] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [Code] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [Display] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [UserSelected] bit
  ) AS [rows];
GO

CREATE VIEW [cdm].[LocalObservationComponent] AS
SELECT * FROM OPENROWSET(
    BULK ('data/LocalObservationComponent/partition-data-Observation-sqltest.parquet'),
    DATA_SOURCE = 'fhir2cdm_cdm_folder', FORMAT = 'PARQUET')
  WITH (
    [RowId] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [ResourceId] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [FhirPath] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [ParentPath] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [CodeText] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [ValueQuantityValue] decimal(38,18),
    [ValueQuantityComparator] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [ValueQuantityUnit] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [ValueQuantitySystem] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [ValueQuantityCode] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [ValueCodeableConceptText] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [ValueString] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8
  ) AS [rows];
GO

CREATE VIEW [cdm].[LocalPatient] AS
SELECT * FROM OPENROWSET(
    BULK ('data/LocalPatient/partition-data-Patient-sqltest.parquet'),
    DATA_SOURCE = 'fhir2cdm_cdm_folder', FORMAT = 'PARQUET')
  WITH (
    [ResourceId] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [Id] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [MetaLastUpdated] datetime2(6),
    [IdentifierUse] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [IdentifierTypeCodingSystem] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [IdentifierTypeCodingVersion] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [IdentifierTypeCodingCode] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [IdentifierTypeCodingDisplay] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [IdentifierTypeCodingUserSelected] bit,
    [IdentifierTypeText] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [IdentifierSystem] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [IdentifierValue] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [IdentifierPeriodStart] datetime2(6),
    [IdentifierPeriodEnd] datetime2(6),
    [IdentifierAssignerReference] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [IdentifierAssignerType] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [IdentifierAssignerDisplay] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [Active] bit,
    [NameUse] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [NameText] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [NameFamily] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [NamePeriodStart] datetime2(6),
    [NamePeriodEnd] datetime2(6),
    [NameGiven] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [NameGivenAll] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [NamePrefix] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [NameSuffix] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [TelecomSystem] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [TelecomValue] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [TelecomUse] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [TelecomRank] int,
    [TelecomPeriodStart] datetime2(6),
    [TelecomPeriodEnd] datetime2(6),
    [Gender] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [BirthDate] date,
    [AddressUse] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [AddressType] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [AddressText] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [AddressCity] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [AddressDistrict] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [AddressState] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [AddressPostalCode] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [AddressCountry] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [AddressPeriodStart] datetime2(6),
    [AddressPeriodEnd] datetime2(6),
    [AddressLine] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [AddressLines] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [MaritalStatusCodingSystem] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [MaritalStatusCodingVersion] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [MaritalStatusCodingCode] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [MaritalStatusCodingDisplay] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [MaritalStatusCodingUserSelected] bit,
    [MaritalStatusText] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [MultipleBirthInteger] int,
    [CommunicationLanguageText] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [CommunicationPreferred] bit,
    [GeneralPractitionerReference] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [GeneralPractitionerType] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [GeneralPractitionerIdentifierUse] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [GeneralPractitionerIdentifierTypeText] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [GeneralPractitionerIdentifierSystem] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [GeneralPractitionerIdentifierValue] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [GeneralPractitionerDisplay] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [ManagingOrganizationReference] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [ManagingOrganizationType] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [ManagingOrganizationIdentifierUse] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [ManagingOrganizationIdentifierTypeText] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [ManagingOrganizationIdentifierSystem] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [ManagingOrganizationIdentifierValue] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [ManagingOrganizationDisplay] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [Meta] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [MetaProfile] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [DeceasedBoolean] bit,
    [DeceasedDateTime] datetime2(6),
    [MultipleBirthBoolean] bit,
    [PreferredLanguage] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8
  ) AS [rows];
GO

CREATE VIEW [cdm].[LocalPatientAddress] AS
SELECT * FROM OPENROWSET(
    BULK ('data/LocalPatientAddress/partition-data-Patient-sqltest.parquet'),
    DATA_SOURCE = 'fhir2cdm_cdm_folder', FORMAT = 'PARQUET')
  WITH (
    [RowId] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [ResourceId] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [FhirPath] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [ParentPath] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [Use] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [Type] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [Text] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [City] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [District] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [State] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [PostalCode] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [Country] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [PeriodStart] datetime2(6),
    [PeriodEnd] datetime2(6),
    [Line] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [Lines] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8
  ) AS [rows];
GO

CREATE VIEW [cdm].[LocalPatientExtension] AS
SELECT * FROM OPENROWSET(
    BULK ('data/LocalPatientExtension/partition-data-Patient-sqltest.parquet'),
    DATA_SOURCE = 'fhir2cdm_cdm_folder', FORMAT = 'PARQUET')
  WITH (
    [RowId] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [ResourceId] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [FhirPath] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [ParentPath] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [Url] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [ValueString] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [ValueCode] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [ValueDecimal] decimal(38,18),
    [ValueAddressUse] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [ValueAddressType] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [ValueAddressText] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [ValueAddressCity] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [ValueAddressDistrict] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [ValueAddressState] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [ValueAddressPostalCode] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [ValueAddressCountry] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [ValueAddressLine] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [ValueAddressLines] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [Extension] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8
  ) AS [rows];
GO

CREATE VIEW [cdm].[LocalPatientIdentifier] AS
SELECT * FROM OPENROWSET(
    BULK ('data/LocalPatientIdentifier/partition-data-Patient-sqltest.parquet'),
    DATA_SOURCE = 'fhir2cdm_cdm_folder', FORMAT = 'PARQUET')
  WITH (
    [RowId] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [ResourceId] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [FhirPath] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [ParentPath] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [Use] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [TypeCodingSystem] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [TypeCodingVersion] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [TypeCodingCode] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [TypeCodingDisplay] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [TypeCodingUserSelected] bit,
    [TypeText] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [System] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [Value] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [PeriodStart] datetime2(6),
    [PeriodEnd] datetime2(6),
    [AssignerReference] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [AssignerType] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [AssignerDisplay] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8
  ) AS [rows];
GO

CREATE VIEW [cdm].[LocalPatientName] AS
SELECT * FROM OPENROWSET(
    BULK ('data/LocalPatientName/partition-data-Patient-sqltest.parquet'),
    DATA_SOURCE = 'fhir2cdm_cdm_folder', FORMAT = 'PARQUET')
  WITH (
    [RowId] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [ResourceId] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [FhirPath] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [ParentPath] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [Use] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [Text] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [Family] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [PeriodStart] datetime2(6),
    [PeriodEnd] datetime2(6),
    [Given] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [GivenAll] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [Prefix] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [Suffix] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8
  ) AS [rows];
GO

CREATE VIEW [cdm].[LocalPatientTelecom] AS
SELECT * FROM OPENROWSET(
    BULK ('data/LocalPatientTelecom/partition-data-Patient-sqltest.parquet'),
    DATA_SOURCE = 'fhir2cdm_cdm_folder', FORMAT = 'PARQUET')
  WITH (
    [RowId] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [ResourceId] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [FhirPath] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [ParentPath] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [System] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [Value] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [Use] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [Rank] int,
    [PeriodStart] datetime2(6),
    [PeriodEnd] datetime2(6)
  ) AS [rows];
GO

CREATE VIEW [cdm].[LocalProcedure] AS
SELECT * FROM OPENROWSET(
    BULK ('data/LocalProcedure/partition-data-Procedure-sqltest.parquet'),
    DATA_SOURCE = 'fhir2cdm_cdm_folder', FORMAT = 'PARQUET')
  WITH (
    [ResourceId] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [Id] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [Status] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [CodeCodingSystem] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [CodeCodingVersion] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [CodeCodingCode] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [CodeCodingDisplay] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [CodeCodingUserSelected] bit,
    [CodeText] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [SubjectReference] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [SubjectType] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [SubjectIdentifierUse] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [SubjectIdentifierTypeText] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [SubjectIdentifierSystem] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [SubjectIdentifierValue] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [SubjectDisplay] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [EncounterReference] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [EncounterType] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [EncounterIdentifierUse] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [EncounterIdentifierTypeText] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [EncounterIdentifierSystem] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [EncounterIdentifierValue] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [EncounterDisplay] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [PerformedPeriodStart] datetime2(6),
    [PerformedPeriodEnd] datetime2(6),
    [LocationReference] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [LocationType] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [LocationIdentifierUse] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [LocationIdentifierTypeText] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [LocationIdentifierSystem] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [LocationIdentifierValue] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [LocationDisplay] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [ReasonReferenceReference] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [ReasonReferenceType] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [ReasonReferenceIdentifierUse] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [ReasonReferenceIdentifierTypeText] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [ReasonReferenceIdentifierSystem] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [ReasonReferenceIdentifierValue] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [ReasonReferenceDisplay] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [PerformedDateTime] datetime2(6)
  ) AS [rows];
GO

CREATE VIEW [cdm].[LocalProcedureCodeCoding] AS
SELECT * FROM OPENROWSET(
    BULK ('data/LocalProcedureCodeCoding/partition-data-Procedure-sqltest.parquet'),
    DATA_SOURCE = 'fhir2cdm_cdm_folder', FORMAT = 'PARQUET')
  WITH (
    [RowId] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [ResourceId] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [FhirPath] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [ParentPath] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [System] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [Version] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [Code] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [Display] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8,
    [UserSelected] bit
  ) AS [rows];
GO
