"""The pure core: props, practices and rendering to plain manifests. Never imports cdk8s."""
