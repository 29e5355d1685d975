"""What the cloud SMS carriers (Aliyun, Tencent) share: our templates as the provider's."""
