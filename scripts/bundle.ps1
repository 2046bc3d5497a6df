# Windows (PowerShell): what scripts/bundle.sh does on Linux — build 招商 CRM as one folder that
# runs without Python (dist\zhaoshang-crm: zhaoshang-crm.exe, the window, and crm.exe, the
# command line), check it (the demo's screenshot from a fresh profile, crm stats with the
# article's figures, sizes, start time against .venv, the tests marked bundle) and, when Inno
# Setup 6 is installed, make the installer dist\zhaoshang-crm-<version>-setup.exe.
#   powershell -ExecutionPolicy Bypass -File scripts\bundle.ps1
# Not run on Windows by the project's CI: written to mirror bundle.sh (see README, "The bundle").
$ErrorActionPreference = "Stop"
Set-Location (Join-Path $PSScriptRoot "..")
& (Join-Path $PSScriptRoot "setup.ps1")
if ($LASTEXITCODE) { exit $LASTEXITCODE }
$py = ".venv\Scripts\python.exe"
$runs = if ($env:BUNDLE_RUNS) { $env:BUNDLE_RUNS } else { "5" }

& $py -c "import PyInstaller" 2>$null
if ($LASTEXITCODE) {
    # the `bundle` extra of pyproject.toml, without reinstalling the project itself
    $reqs = & $py -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['optional-dependencies']['bundle']))"
    & $py -m pip install -q @($reqs -split "`n")
    if ($LASTEXITCODE) { exit $LASTEXITCODE }
}

if ($env:BUNDLE_BUILD -ne "0") {
    $watch = [Diagnostics.Stopwatch]::StartNew()
    & .venv\Scripts\pyinstaller.exe --noconfirm --log-level WARN --distpath dist --workpath build\pyinstaller packaging\zhaoshang-crm.spec
    if ($LASTEXITCODE) { exit $LASTEXITCODE }
    Write-Output ("build: {0:N0} s" -f $watch.Elapsed.TotalSeconds)
}

$status = 0
& $py scripts\bundle_check.py --runs $runs
if ($LASTEXITCODE) { $status = 1 }
& $py -m pytest -q -p no:cacheprovider -m bundle tests\bundle
if ($LASTEXITCODE) { $status = 1 }

# The installer (Inno Setup 6: winget install JRSoftware.InnoSetup)
$iscc = @("${env:ProgramFiles(x86)}\Inno Setup 6\ISCC.exe", "$env:ProgramFiles\Inno Setup 6\ISCC.exe",
          "$env:LOCALAPPDATA\Programs\Inno Setup 6\ISCC.exe") | Where-Object { Test-Path $_ } | Select-Object -First 1
if ($iscc) {
    $version = & $py -c "import tomllib; print(tomllib.load(open('pyproject.toml', 'rb'))['project']['version'])"
    & $iscc "/DAppVersion=$version" packaging\windows\zhaoshang-crm.iss
    if ($LASTEXITCODE) { $status = 1 }
} else {
    Write-Output "Inno Setup 6 not found: no installer made (the folder dist\zhaoshang-crm works as it is)"
}
exit $status
