-- Serverless SQL pool: external tables over the CDM folder's CSV partitions.
-- Idempotent: drops and recreates only the objects it creates.
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
CREATE EXTERNAL FILE FORMAT [fhir2cdm_csv]
    WITH (FORMAT_TYPE = DELIMITEDTEXT,
          FORMAT_OPTIONS (FIELD_TERMINATOR = ',', STRING_DELIMITER = '"', FIRST_ROW = 2,
                          USE_TYPE_DEFAULT = FALSE, ENCODING = 'UTF8', PARSER_VERSION = '2.0'));
GO

CREATE EXTERNAL TABLE [cdm].[LocalAllergyIntolerance_external] (
    [ResourceId] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [Id] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [ClinicalStatusCodingSystem] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [ClinicalStatusCodingVersion] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [ClinicalStatusCodingCode] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [ClinicalStatusCodingDisplay] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [ClinicalStatusCodingUserSelected] bit NULL,
    [ClinicalStatusText] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [VerificationStatusCodingSystem] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [VerificationStatusCodingVersion] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [VerificationStatusCodingCode] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [VerificationStatusCodingDisplay] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [VerificationStatusCodingUserSelected] bit NULL,
    [VerificationStatusText] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [Type] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [Criticality] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [CodeCodingSystem] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [CodeCodingVersion] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [CodeCodingCode] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [CodeCodingDisplay] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [CodeCodingUserSelected] bit NULL,
    [CodeText] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [PatientReference] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [PatientType] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [PatientIdentifierUse] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [PatientIdentifierTypeText] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [PatientIdentifierSystem] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [PatientIdentifierValue] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [PatientDisplay] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [RecordedDate] datetime2(7) NULL,
    [ReactionSubstanceText] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [ReactionManifestationText] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [ReactionDescription] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [ReactionOnset] datetime2(7) NULL,
    [ReactionSeverity] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [Category] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL
) WITH (LOCATION = 'data/LocalAllergyIntolerance/*.csv', DATA_SOURCE = [fhir2cdm_cdm_folder], FILE_FORMAT = [fhir2cdm_csv]);
GO
CREATE VIEW [cdm].[LocalAllergyIntolerance] AS SELECT * FROM [cdm].[LocalAllergyIntolerance_external];
GO

CREATE EXTERNAL TABLE [cdm].[LocalAllergyIntoleranceReactionManifestation_external] (
    [RowId] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [ResourceId] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [FhirPath] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [ParentPath] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [CodingSystem] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [CodingVersion] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [CodingCode] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [CodingDisplay] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [CodingUserSelected] bit NULL,
    [Text] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL
) WITH (LOCATION = 'data/LocalAllergyIntoleranceReactionManifestation/*.csv', DATA_SOURCE = [fhir2cdm_cdm_folder], FILE_FORMAT = [fhir2cdm_csv]);
GO
CREATE VIEW [cdm].[LocalAllergyIntoleranceReactionManifestation] AS SELECT * FROM [cdm].[LocalAllergyIntoleranceReactionManifestation_external];
GO

CREATE EXTERNAL TABLE [cdm].[LocalCondition_external] (
    [ResourceId] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [Id] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [ClinicalStatusCodingSystem] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [ClinicalStatusCodingVersion] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [ClinicalStatusCodingCode] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [ClinicalStatusCodingDisplay] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [ClinicalStatusCodingUserSelected] bit NULL,
    [ClinicalStatusText] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [VerificationStatusCodingSystem] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [VerificationStatusCodingVersion] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [VerificationStatusCodingCode] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [VerificationStatusCodingDisplay] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [VerificationStatusCodingUserSelected] bit NULL,
    [VerificationStatusText] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [CategoryCodingSystem] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [CategoryCodingVersion] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [CategoryCodingCode] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [CategoryCodingDisplay] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [CategoryCodingUserSelected] bit NULL,
    [CategoryText] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [CodeCodingSystem] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [CodeCodingVersion] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [CodeCodingCode] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [CodeCodingDisplay] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [CodeCodingUserSelected] bit NULL,
    [CodeText] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [SubjectReference] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [SubjectType] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [SubjectIdentifierUse] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [SubjectIdentifierTypeText] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [SubjectIdentifierSystem] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [SubjectIdentifierValue] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [SubjectDisplay] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [EncounterReference] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [EncounterType] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [EncounterIdentifierUse] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [EncounterIdentifierTypeText] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [EncounterIdentifierSystem] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [EncounterIdentifierValue] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [EncounterDisplay] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [AbatementDateTime] datetime2(7) NULL,
    [RecordedDate] datetime2(7) NULL,
    [OnsetDateTime] datetime2(7) NULL
) WITH (LOCATION = 'data/LocalCondition/*.csv', DATA_SOURCE = [fhir2cdm_cdm_folder], FILE_FORMAT = [fhir2cdm_csv]);
GO
CREATE VIEW [cdm].[LocalCondition] AS SELECT * FROM [cdm].[LocalCondition_external];
GO

CREATE EXTERNAL TABLE [cdm].[LocalConditionCodeCoding_external] (
    [RowId] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [ResourceId] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [FhirPath] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [ParentPath] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [System] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [Version] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [Code] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [Display] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [UserSelected] bit NULL
) WITH (LOCATION = 'data/LocalConditionCodeCoding/*.csv', DATA_SOURCE = [fhir2cdm_cdm_folder], FILE_FORMAT = [fhir2cdm_csv]);
GO
CREATE VIEW [cdm].[LocalConditionCodeCoding] AS SELECT * FROM [cdm].[LocalConditionCodeCoding_external];
GO

CREATE EXTERNAL TABLE [cdm].[LocalEncounter_external] (
    [ResourceId] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [Id] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [IdentifierUse] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [IdentifierTypeCodingSystem] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [IdentifierTypeCodingVersion] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [IdentifierTypeCodingCode] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [IdentifierTypeCodingDisplay] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [IdentifierTypeCodingUserSelected] bit NULL,
    [IdentifierTypeText] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [IdentifierSystem] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [IdentifierValue] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [IdentifierPeriodStart] datetime2(7) NULL,
    [IdentifierPeriodEnd] datetime2(7) NULL,
    [IdentifierAssignerReference] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [IdentifierAssignerType] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [IdentifierAssignerDisplay] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [Status] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [ClassSystem] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [ClassVersion] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [ClassCode] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [ClassDisplay] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [ClassUserSelected] bit NULL,
    [TypeCodingSystem] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [TypeCodingVersion] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [TypeCodingCode] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [TypeCodingDisplay] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [TypeCodingUserSelected] bit NULL,
    [TypeText] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [SubjectReference] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [SubjectType] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [SubjectIdentifierUse] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [SubjectIdentifierTypeText] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [SubjectIdentifierSystem] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [SubjectIdentifierValue] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [SubjectDisplay] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [ParticipantTypeCodingSystem] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [ParticipantTypeCodingVersion] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [ParticipantTypeCodingCode] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [ParticipantTypeCodingDisplay] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [ParticipantTypeCodingUserSelected] bit NULL,
    [ParticipantTypeText] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [ParticipantPeriodStart] datetime2(7) NULL,
    [ParticipantPeriodEnd] datetime2(7) NULL,
    [ParticipantIndividualReference] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [ParticipantIndividualType] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [ParticipantIndividualDisplay] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [PeriodStart] datetime2(7) NULL,
    [PeriodEnd] datetime2(7) NULL,
    [ReasonCodeCodingSystem] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [ReasonCodeCodingVersion] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [ReasonCodeCodingCode] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [ReasonCodeCodingDisplay] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [ReasonCodeCodingUserSelected] bit NULL,
    [ReasonCodeText] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [HospitalizationAdmitSourceText] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [HospitalizationDischargeDispositionText] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [LocationLocationReference] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [LocationLocationType] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [LocationLocationDisplay] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [LocationStatus] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [LocationPeriodStart] datetime2(7) NULL,
    [LocationPeriodEnd] datetime2(7) NULL,
    [ServiceProviderReference] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [ServiceProviderType] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [ServiceProviderIdentifierUse] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [ServiceProviderIdentifierTypeText] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [ServiceProviderIdentifierSystem] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [ServiceProviderIdentifierValue] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [ServiceProviderDisplay] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL
) WITH (LOCATION = 'data/LocalEncounter/*.csv', DATA_SOURCE = [fhir2cdm_cdm_folder], FILE_FORMAT = [fhir2cdm_csv]);
GO
CREATE VIEW [cdm].[LocalEncounter] AS SELECT * FROM [cdm].[LocalEncounter_external];
GO

CREATE EXTERNAL TABLE [cdm].[LocalEncounterParticipant_external] (
    [RowId] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [ResourceId] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [FhirPath] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [ParentPath] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [TypeCodingSystem] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [TypeCodingVersion] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [TypeCodingCode] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [TypeCodingDisplay] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [TypeCodingUserSelected] bit NULL,
    [TypeText] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [PeriodStart] datetime2(7) NULL,
    [PeriodEnd] datetime2(7) NULL,
    [IndividualReference] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [IndividualType] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [IndividualDisplay] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL
) WITH (LOCATION = 'data/LocalEncounterParticipant/*.csv', DATA_SOURCE = [fhir2cdm_cdm_folder], FILE_FORMAT = [fhir2cdm_csv]);
GO
CREATE VIEW [cdm].[LocalEncounterParticipant] AS SELECT * FROM [cdm].[LocalEncounterParticipant_external];
GO

CREATE EXTERNAL TABLE [cdm].[LocalEncounterTypeCoding_external] (
    [RowId] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [ResourceId] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [FhirPath] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [ParentPath] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [System] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [Version] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [Code] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [Display] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [UserSelected] bit NULL
) WITH (LOCATION = 'data/LocalEncounterTypeCoding/*.csv', DATA_SOURCE = [fhir2cdm_cdm_folder], FILE_FORMAT = [fhir2cdm_csv]);
GO
CREATE VIEW [cdm].[LocalEncounterTypeCoding] AS SELECT * FROM [cdm].[LocalEncounterTypeCoding_external];
GO

CREATE EXTERNAL TABLE [cdm].[LocalImmunization_external] (
    [ResourceId] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [Id] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [Status] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [VaccineCodeCodingSystem] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [VaccineCodeCodingVersion] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [VaccineCodeCodingCode] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [VaccineCodeCodingDisplay] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [VaccineCodeCodingUserSelected] bit NULL,
    [VaccineCodeText] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [PatientReference] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [PatientType] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [PatientIdentifierUse] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [PatientIdentifierTypeText] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [PatientIdentifierSystem] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [PatientIdentifierValue] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [PatientDisplay] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [EncounterReference] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [EncounterType] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [EncounterIdentifierUse] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [EncounterIdentifierTypeText] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [EncounterIdentifierSystem] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [EncounterIdentifierValue] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [EncounterDisplay] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [PrimarySource] bit NULL,
    [LocationReference] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [LocationType] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [LocationIdentifierUse] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [LocationIdentifierTypeText] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [LocationIdentifierSystem] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [LocationIdentifierValue] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [LocationDisplay] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [OccurrenceDateTime] datetime2(7) NULL
) WITH (LOCATION = 'data/LocalImmunization/*.csv', DATA_SOURCE = [fhir2cdm_cdm_folder], FILE_FORMAT = [fhir2cdm_csv]);
GO
CREATE VIEW [cdm].[LocalImmunization] AS SELECT * FROM [cdm].[LocalImmunization_external];
GO

CREATE EXTERNAL TABLE [cdm].[LocalLocation_external] (
    [ResourceId] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [Id] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [Status] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [Name] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [TelecomSystem] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [TelecomValue] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [TelecomUse] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [TelecomRank] bigint NULL,
    [TelecomPeriodStart] datetime2(7) NULL,
    [TelecomPeriodEnd] datetime2(7) NULL,
    [AddressUse] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [AddressType] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [AddressText] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [AddressCity] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [AddressDistrict] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [AddressState] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [AddressPostalCode] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [AddressCountry] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [AddressPeriodStart] datetime2(7) NULL,
    [AddressPeriodEnd] datetime2(7) NULL,
    [AddressLine] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [AddressLines] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [PositionLongitude] decimal(38,18) NULL,
    [PositionLatitude] decimal(38,18) NULL,
    [PositionAltitude] decimal(38,18) NULL,
    [ManagingOrganizationReference] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [ManagingOrganizationType] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [ManagingOrganizationIdentifierUse] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [ManagingOrganizationIdentifierTypeText] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [ManagingOrganizationIdentifierSystem] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [ManagingOrganizationIdentifierValue] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [ManagingOrganizationDisplay] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL
) WITH (LOCATION = 'data/LocalLocation/*.csv', DATA_SOURCE = [fhir2cdm_cdm_folder], FILE_FORMAT = [fhir2cdm_csv]);
GO
CREATE VIEW [cdm].[LocalLocation] AS SELECT * FROM [cdm].[LocalLocation_external];
GO

CREATE EXTERNAL TABLE [cdm].[LocalMedicationRequest_external] (
    [ResourceId] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [Id] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [Status] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [Intent] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [CategoryCodingSystem] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [CategoryCodingVersion] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [CategoryCodingCode] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [CategoryCodingDisplay] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [CategoryCodingUserSelected] bit NULL,
    [CategoryText] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [MedicationCodeableConceptCodingSystem] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [MedicationCodeableConceptCodingVersion] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [MedicationCodeableConceptCodingCode] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [MedicationCodeableConceptCodingDisplay] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [MedicationCodeableConceptCodingUserSelected] bit NULL,
    [MedicationCodeableConceptText] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [SubjectReference] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [SubjectType] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [SubjectIdentifierUse] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [SubjectIdentifierTypeText] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [SubjectIdentifierSystem] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [SubjectIdentifierValue] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [SubjectDisplay] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [EncounterReference] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [EncounterType] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [EncounterIdentifierUse] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [EncounterIdentifierTypeText] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [EncounterIdentifierSystem] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [EncounterIdentifierValue] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [EncounterDisplay] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [AuthoredOn] datetime2(7) NULL,
    [RequesterReference] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [RequesterType] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [RequesterIdentifierUse] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [RequesterIdentifierTypeText] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [RequesterIdentifierSystem] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [RequesterIdentifierValue] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [RequesterDisplay] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [ReasonReferenceReference] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [ReasonReferenceType] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [ReasonReferenceIdentifierUse] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [ReasonReferenceIdentifierTypeText] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [ReasonReferenceIdentifierSystem] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [ReasonReferenceIdentifierValue] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [ReasonReferenceDisplay] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [DosageInstructionSequence] bigint NULL,
    [DosageInstructionText] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [DosageInstructionAsNeededBoolean] bit NULL,
    [DosageInstructionTimingRepeatFrequency] bigint NULL,
    [DosageInstructionTimingRepeatPeriod] decimal(38,18) NULL,
    [DosageInstructionTimingRepeatPeriodUnit] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [DosageInstructionRouteText] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [DosageInstructionDoseAndRateDoseQuantityValue] decimal(38,18) NULL,
    [DosageInstructionDoseAndRateDoseQuantityComparator] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [DosageInstructionDoseAndRateDoseQuantityUnit] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [DosageInstructionDoseAndRateDoseQuantitySystem] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [DosageInstructionDoseAndRateDoseQuantityCode] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [DosageInstructionDoseAndRate] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL
) WITH (LOCATION = 'data/LocalMedicationRequest/*.csv', DATA_SOURCE = [fhir2cdm_cdm_folder], FILE_FORMAT = [fhir2cdm_csv]);
GO
CREATE VIEW [cdm].[LocalMedicationRequest] AS SELECT * FROM [cdm].[LocalMedicationRequest_external];
GO

CREATE EXTERNAL TABLE [cdm].[LocalMedicationRequestDosageInstruction_external] (
    [RowId] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [ResourceId] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [FhirPath] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [ParentPath] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [Sequence] bigint NULL,
    [Text] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [AsNeededBoolean] bit NULL,
    [TimingRepeatFrequency] bigint NULL,
    [TimingRepeatPeriod] decimal(38,18) NULL,
    [TimingRepeatPeriodUnit] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [RouteText] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [DoseAndRateDoseQuantityValue] decimal(38,18) NULL,
    [DoseAndRateDoseQuantityComparator] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [DoseAndRateDoseQuantityUnit] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [DoseAndRateDoseQuantitySystem] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [DoseAndRateDoseQuantityCode] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [DoseAndRate] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL
) WITH (LOCATION = 'data/LocalMedicationRequestDosageInstruction/*.csv', DATA_SOURCE = [fhir2cdm_cdm_folder], FILE_FORMAT = [fhir2cdm_csv]);
GO
CREATE VIEW [cdm].[LocalMedicationRequestDosageInstruction] AS SELECT * FROM [cdm].[LocalMedicationRequestDosageInstruction_external];
GO

CREATE EXTERNAL TABLE [cdm].[LocalObservation_external] (
    [ResourceId] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [Id] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [Status] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [CategoryCodingSystem] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [CategoryCodingVersion] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [CategoryCodingCode] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [CategoryCodingDisplay] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [CategoryCodingUserSelected] bit NULL,
    [CategoryText] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [CodeCodingSystem] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [CodeCodingVersion] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [CodeCodingCode] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [CodeCodingDisplay] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [CodeCodingUserSelected] bit NULL,
    [CodeText] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [SubjectReference] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [SubjectType] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [SubjectIdentifierUse] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [SubjectIdentifierTypeText] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [SubjectIdentifierSystem] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [SubjectIdentifierValue] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [SubjectDisplay] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [EncounterReference] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [EncounterType] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [EncounterIdentifierUse] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [EncounterIdentifierTypeText] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [EncounterIdentifierSystem] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [EncounterIdentifierValue] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [EncounterDisplay] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [EffectiveDateTime] datetime2(7) NULL,
    [Issued] datetime2(7) NULL,
    [ValueQuantityValue] decimal(38,18) NULL,
    [ValueQuantityComparator] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [ValueQuantityUnit] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [ValueQuantitySystem] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [ValueQuantityCode] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [ValueCodeableConceptCodingSystem] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [ValueCodeableConceptCodingVersion] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [ValueCodeableConceptCodingCode] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [ValueCodeableConceptCodingDisplay] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [ValueCodeableConceptCodingUserSelected] bit NULL,
    [ValueCodeableConceptText] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [ValueString] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL
) WITH (LOCATION = 'data/LocalObservation/*.csv', DATA_SOURCE = [fhir2cdm_cdm_folder], FILE_FORMAT = [fhir2cdm_csv]);
GO
CREATE VIEW [cdm].[LocalObservation] AS SELECT * FROM [cdm].[LocalObservation_external];
GO

CREATE EXTERNAL TABLE [cdm].[LocalObservationCodeCoding_external] (
    [RowId] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [ResourceId] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [FhirPath] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [ParentPath] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [System] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [Version] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [Code] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [Display] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [UserSelected] bit NULL
) WITH (LOCATION = 'data/LocalObservationCodeCoding/*.csv', DATA_SOURCE = [fhir2cdm_cdm_folder], FILE_FORMAT = [fhir2cdm_csv]);
GO
CREATE VIEW [cdm].[LocalObservationCodeCoding] AS SELECT * FROM [cdm].[LocalObservationCodeCoding_external];
GO

CREATE EXTERNAL TABLE [cdm].[LocalObservationComponent_external] (
    [RowId] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [ResourceId] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [FhirPath] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [ParentPath] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [CodeText] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [ValueQuantityValue] decimal(38,18) NULL,
    [ValueQuantityComparator] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [ValueQuantityUnit] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [ValueQuantitySystem] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [ValueQuantityCode] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [ValueCodeableConceptText] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [ValueString] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL
) WITH (LOCATION = 'data/LocalObservationComponent/*.csv', DATA_SOURCE = [fhir2cdm_cdm_folder], FILE_FORMAT = [fhir2cdm_csv]);
GO
CREATE VIEW [cdm].[LocalObservationComponent] AS SELECT * FROM [cdm].[LocalObservationComponent_external];
GO

CREATE EXTERNAL TABLE [cdm].[LocalPatient_external] (
    [ResourceId] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [Id] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [MetaLastUpdated] datetime2(7) NULL,
    [IdentifierUse] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [IdentifierTypeCodingSystem] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [IdentifierTypeCodingVersion] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [IdentifierTypeCodingCode] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [IdentifierTypeCodingDisplay] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [IdentifierTypeCodingUserSelected] bit NULL,
    [IdentifierTypeText] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [IdentifierSystem] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [IdentifierValue] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [IdentifierPeriodStart] datetime2(7) NULL,
    [IdentifierPeriodEnd] datetime2(7) NULL,
    [IdentifierAssignerReference] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [IdentifierAssignerType] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [IdentifierAssignerDisplay] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [Active] bit NULL,
    [NameUse] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [NameText] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [NameFamily] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [NamePeriodStart] datetime2(7) NULL,
    [NamePeriodEnd] datetime2(7) NULL,
    [NameGiven] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [NameGivenAll] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [NamePrefix] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [NameSuffix] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [TelecomSystem] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [TelecomValue] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [TelecomUse] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [TelecomRank] bigint NULL,
    [TelecomPeriodStart] datetime2(7) NULL,
    [TelecomPeriodEnd] datetime2(7) NULL,
    [Gender] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [BirthDate] datetime2(7) NULL,
    [AddressUse] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [AddressType] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [AddressText] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [AddressCity] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [AddressDistrict] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [AddressState] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [AddressPostalCode] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [AddressCountry] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [AddressPeriodStart] datetime2(7) NULL,
    [AddressPeriodEnd] datetime2(7) NULL,
    [AddressLine] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [AddressLines] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [MaritalStatusCodingSystem] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [MaritalStatusCodingVersion] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [MaritalStatusCodingCode] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [MaritalStatusCodingDisplay] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [MaritalStatusCodingUserSelected] bit NULL,
    [MaritalStatusText] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [MultipleBirthInteger] bigint NULL,
    [CommunicationLanguageText] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [CommunicationPreferred] bit NULL,
    [GeneralPractitionerReference] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [GeneralPractitionerType] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [GeneralPractitionerIdentifierUse] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [GeneralPractitionerIdentifierTypeText] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [GeneralPractitionerIdentifierSystem] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [GeneralPractitionerIdentifierValue] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [GeneralPractitionerDisplay] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [ManagingOrganizationReference] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [ManagingOrganizationType] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [ManagingOrganizationIdentifierUse] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [ManagingOrganizationIdentifierTypeText] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [ManagingOrganizationIdentifierSystem] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [ManagingOrganizationIdentifierValue] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [ManagingOrganizationDisplay] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [Meta] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [MetaProfile] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [DeceasedBoolean] bit NULL,
    [DeceasedDateTime] datetime2(7) NULL,
    [MultipleBirthBoolean] bit NULL,
    [PreferredLanguage] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL
) WITH (LOCATION = 'data/LocalPatient/*.csv', DATA_SOURCE = [fhir2cdm_cdm_folder], FILE_FORMAT = [fhir2cdm_csv]);
GO
CREATE VIEW [cdm].[LocalPatient] AS SELECT * FROM [cdm].[LocalPatient_external];
GO

CREATE EXTERNAL TABLE [cdm].[LocalPatientAddress_external] (
    [RowId] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [ResourceId] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [FhirPath] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [ParentPath] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [Use] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [Type] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [Text] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [City] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [District] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [State] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [PostalCode] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [Country] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [PeriodStart] datetime2(7) NULL,
    [PeriodEnd] datetime2(7) NULL,
    [Line] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [Lines] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL
) WITH (LOCATION = 'data/LocalPatientAddress/*.csv', DATA_SOURCE = [fhir2cdm_cdm_folder], FILE_FORMAT = [fhir2cdm_csv]);
GO
CREATE VIEW [cdm].[LocalPatientAddress] AS SELECT * FROM [cdm].[LocalPatientAddress_external];
GO

CREATE EXTERNAL TABLE [cdm].[LocalPatientExtension_external] (
    [RowId] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [ResourceId] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [FhirPath] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [ParentPath] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [Url] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [ValueString] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [ValueCode] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [ValueDecimal] decimal(38,18) NULL,
    [ValueAddressUse] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [ValueAddressType] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [ValueAddressText] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [ValueAddressCity] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [ValueAddressDistrict] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [ValueAddressState] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [ValueAddressPostalCode] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [ValueAddressCountry] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [ValueAddressLine] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [ValueAddressLines] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [Extension] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL
) WITH (LOCATION = 'data/LocalPatientExtension/*.csv', DATA_SOURCE = [fhir2cdm_cdm_folder], FILE_FORMAT = [fhir2cdm_csv]);
GO
CREATE VIEW [cdm].[LocalPatientExtension] AS SELECT * FROM [cdm].[LocalPatientExtension_external];
GO

CREATE EXTERNAL TABLE [cdm].[LocalPatientIdentifier_external] (
    [RowId] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [ResourceId] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [FhirPath] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [ParentPath] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [Use] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [TypeCodingSystem] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [TypeCodingVersion] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [TypeCodingCode] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [TypeCodingDisplay] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [TypeCodingUserSelected] bit NULL,
    [TypeText] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [System] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [Value] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [PeriodStart] datetime2(7) NULL,
    [PeriodEnd] datetime2(7) NULL,
    [AssignerReference] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [AssignerType] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [AssignerDisplay] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL
) WITH (LOCATION = 'data/LocalPatientIdentifier/*.csv', DATA_SOURCE = [fhir2cdm_cdm_folder], FILE_FORMAT = [fhir2cdm_csv]);
GO
CREATE VIEW [cdm].[LocalPatientIdentifier] AS SELECT * FROM [cdm].[LocalPatientIdentifier_external];
GO

CREATE EXTERNAL TABLE [cdm].[LocalPatientName_external] (
    [RowId] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [ResourceId] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [FhirPath] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [ParentPath] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [Use] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [Text] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [Family] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [PeriodStart] datetime2(7) NULL,
    [PeriodEnd] datetime2(7) NULL,
    [Given] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [GivenAll] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [Prefix] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [Suffix] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL
) WITH (LOCATION = 'data/LocalPatientName/*.csv', DATA_SOURCE = [fhir2cdm_cdm_folder], FILE_FORMAT = [fhir2cdm_csv]);
GO
CREATE VIEW [cdm].[LocalPatientName] AS SELECT * FROM [cdm].[LocalPatientName_external];
GO

CREATE EXTERNAL TABLE [cdm].[LocalPatientTelecom_external] (
    [RowId] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [ResourceId] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [FhirPath] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [ParentPath] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [System] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [Value] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [Use] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [Rank] bigint NULL,
    [PeriodStart] datetime2(7) NULL,
    [PeriodEnd] datetime2(7) NULL
) WITH (LOCATION = 'data/LocalPatientTelecom/*.csv', DATA_SOURCE = [fhir2cdm_cdm_folder], FILE_FORMAT = [fhir2cdm_csv]);
GO
CREATE VIEW [cdm].[LocalPatientTelecom] AS SELECT * FROM [cdm].[LocalPatientTelecom_external];
GO

CREATE EXTERNAL TABLE [cdm].[LocalProcedure_external] (
    [ResourceId] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [Id] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [Status] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [CodeCodingSystem] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [CodeCodingVersion] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [CodeCodingCode] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [CodeCodingDisplay] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [CodeCodingUserSelected] bit NULL,
    [CodeText] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [SubjectReference] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [SubjectType] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [SubjectIdentifierUse] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [SubjectIdentifierTypeText] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [SubjectIdentifierSystem] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [SubjectIdentifierValue] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [SubjectDisplay] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [EncounterReference] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [EncounterType] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [EncounterIdentifierUse] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [EncounterIdentifierTypeText] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [EncounterIdentifierSystem] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [EncounterIdentifierValue] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [EncounterDisplay] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [PerformedPeriodStart] datetime2(7) NULL,
    [PerformedPeriodEnd] datetime2(7) NULL,
    [LocationReference] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [LocationType] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [LocationIdentifierUse] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [LocationIdentifierTypeText] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [LocationIdentifierSystem] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [LocationIdentifierValue] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [LocationDisplay] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [ReasonReferenceReference] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [ReasonReferenceType] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [ReasonReferenceIdentifierUse] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [ReasonReferenceIdentifierTypeText] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [ReasonReferenceIdentifierSystem] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [ReasonReferenceIdentifierValue] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [ReasonReferenceDisplay] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [PerformedDateTime] datetime2(7) NULL
) WITH (LOCATION = 'data/LocalProcedure/*.csv', DATA_SOURCE = [fhir2cdm_cdm_folder], FILE_FORMAT = [fhir2cdm_csv]);
GO
CREATE VIEW [cdm].[LocalProcedure] AS SELECT * FROM [cdm].[LocalProcedure_external];
GO

CREATE EXTERNAL TABLE [cdm].[LocalProcedureCodeCoding_external] (
    [RowId] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [ResourceId] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [FhirPath] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [ParentPath] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [System] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [Version] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [Code] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [Display] varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    [UserSelected] bit NULL
) WITH (LOCATION = 'data/LocalProcedureCodeCoding/*.csv', DATA_SOURCE = [fhir2cdm_cdm_folder], FILE_FORMAT = [fhir2cdm_csv]);
GO
CREATE VIEW [cdm].[LocalProcedureCodeCoding] AS SELECT * FROM [cdm].[LocalProcedureCodeCoding_external];
GO
