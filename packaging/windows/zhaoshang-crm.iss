; Inno Setup 6 script: the Windows installer for the bundle in dist\zhaoshang-crm
; (built by scripts\bundle.ps1, which then runs ISCC /DAppVersion=<version> on this file).
;
; Installs the program folder only, with a Start-menu entry (and a desktop one if asked).
; The user's data — %LOCALAPPDATA%\zhaoshang-crm (crm.db, demo.db, crm.log, settings.json,
; backups) — is never written, moved or deleted by installing, upgrading or uninstalling:
; there is deliberately no [UninstallDelete] or [InstallDelete] entry outside {app}. A newer
; version installed over an older one opens the same database and upgrades its schema.
;
; Per-user install by default (no administrator needed: %LOCALAPPDATA%\Programs); an
; administrator may choose all users (Program Files) in the first dialog.

#ifndef AppVersion
  #define AppVersion "0.1.0"
#endif
#define AppName "招商 CRM"
#define AppExe "zhaoshang-crm.exe"

[Setup]
; the same AppId in every version: a new installer upgrades the installed one in place
AppId={{EA628460-81BB-4DD6-A16C-F99023D34A53}
AppName={#AppName}
AppVersion={#AppVersion}
AppVerName={#AppName} {#AppVersion}
AppPublisher=招商 CRM
DefaultDirName={autopf}\zhaoshang-crm
DefaultGroupName={#AppName}
DisableProgramGroupPage=yes
PrivilegesRequired=lowest
PrivilegesRequiredOverridesAllowed=dialog
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
OutputDir=..\..\dist
OutputBaseFilename=zhaoshang-crm-{#AppVersion}-setup
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
#if FileExists(AddBackslash(SourcePath) + "zhaoshang-crm.ico")
SetupIconFile=zhaoshang-crm.ico
#endif
UninstallDisplayIcon={app}\{#AppExe}
UninstallDisplayName={#AppName}
; a running copy is asked to close before its files are replaced
CloseApplications=yes
RestartApplications=no

[Languages]
#if FileExists(AddBackslash(CompilerPath) + "Languages\ChineseSimplified.isl")
Name: "zh"; MessagesFile: "compiler:Languages\ChineseSimplified.isl"
#else
; Inno Setup ships Simplified Chinese as an unofficial translation: copy ChineseSimplified.isl
; (jrsoftware.org/files/istrans/) into its Languages folder for Chinese setup dialogs
Name: "en"; MessagesFile: "compiler:Default.isl"
#endif

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked

[InstallDelete]
; the previous version's libraries, so none of them is mixed with the new ones (program folder only)
Type: filesandordirs; Name: "{app}\_internal"

[Files]
Source: "..\..\dist\zhaoshang-crm\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{group}\{#AppName}"; Filename: "{app}\{#AppExe}"; WorkingDir: "{userdocs}"
Name: "{group}\{#AppName}（演示数据）"; Filename: "{app}\{#AppExe}"; Parameters: "--demo"; WorkingDir: "{userdocs}"
Name: "{group}\卸载 {#AppName}"; Filename: "{uninstallexe}"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\{#AppExe}"; WorkingDir: "{userdocs}"; Tasks: desktopicon

[Run]
Filename: "{app}\{#AppExe}"; Description: "{cm:LaunchProgram,{#AppName}}"; Flags: nowait postinstall skipifsilent
