module example.com/svc

go 1.21

require (
	github.com/BurntSushi/toml v1.3.2
	github.com/docker/docker v24.0.7+incompatible
	gopkg.in/yaml.v3 v3.0.1
	github.com/Azure/go-ansiterm v0.0.0-20230124172434-306776ec8161 // indirect
)
