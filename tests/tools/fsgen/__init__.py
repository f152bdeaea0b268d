"""fsgen - finderscope's own sFlow v5 and packet generator (standard library).

Modules:
  packet     Ethernet/802.1Q/QinQ/MPLS/IPv4/IPv6/TCP/UDP/ICMP/VXLAN builders
             that also record what a decoder must find in the bytes (facts)
  sflow      sFlow v5 datagrams, samples and records in XDR
             (sflow_version_5.txt, sflow_drops.txt)
  pcap       classic pcap files of sFlow datagrams sent over UDP
  oracle     the ground truth, in the TSV format of
             shared/testdata/sflow/ORACLE.md (and a flow-key JSON file)
  scenarios  the synth, demo and corpus datagram sets
"""
