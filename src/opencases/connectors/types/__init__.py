"""The connector types OpenCases registers, in Kibana's registration order."""
