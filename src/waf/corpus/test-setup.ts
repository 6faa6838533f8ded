/**
 * The settings CRS runs its regression tests with (CORPUS.md): detection only, paranoia 4, the
 * test limits, response bodies of the listed types inspected. Written by us in SecLang; it plays
 * the role of crs-setup.conf in the CRS test rig.
 */
export const CRS_TEST_SETUP = `
SecRuleEngine DetectionOnly
SecRequestBodyAccess On
SecResponseBodyAccess On
SecResponseBodyMimeType text/plain text/html text/xml application/json
SecRequestBodyLimit 13107200
SecRequestBodyNoFilesLimit 131072
SecArgumentsLimit 1000
SecDefaultAction "phase:1,log,auditlog,pass"
SecDefaultAction "phase:2,log,auditlog,pass"
SecDefaultAction "phase:3,log,auditlog,pass"
SecDefaultAction "phase:4,log,auditlog,pass"
SecDefaultAction "phase:5,log,auditlog,pass"
SecAction "id:900000,phase:1,pass,t:none,nolog,setvar:tx.blocking_paranoia_level=4"
SecAction "id:900200,phase:1,pass,t:none,nolog,setvar:tx.arg_length=400,setvar:tx.total_arg_length=64000,setvar:tx.max_num_args=255,setvar:tx.arg_name_length=100,setvar:tx.max_file_size=64100,setvar:tx.combined_file_sizes=65535"
SecAction "id:900950,phase:1,pass,t:none,nolog,setvar:tx.crs_validate_utf8_encoding=1"
SecAction "id:900990,phase:1,pass,t:none,nolog,setvar:tx.crs_setup_version=4280"
`;
