"""What the cloud SMS simulators (Aliyun, Tencent) share: an HTTP API, pushes, polling."""
