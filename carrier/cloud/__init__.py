"""What the cloud SMS carriers (Aliyun, Tencent) share: error verdicts, template mapping."""
