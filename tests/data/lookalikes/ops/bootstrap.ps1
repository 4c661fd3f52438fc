$password = ConvertTo-SecureString $env:ADMIN_PASSWORD -AsPlainText -Force
$cred = Get-Credential -UserName admin -Message "Password"
