/** @module The neutral firewall: groups of ingress rules that instances join (CloudStack security groups, EC2 SGs). */

export type FirewallProtocol = 'tcp' | 'udp' | 'icmp' | 'all';

export interface FirewallRule {
  id: string;
  groupId: string;
  protocol: FirewallProtocol;
  /** Port range for tcp/udp; null otherwise. */
  startPort: number | null;
  endPort: number | null;
  /** ICMP type and code for icmp (-1 means any); null otherwise. */
  icmpType: number | null;
  icmpCode: number | null;
  cidr: string;
}

export interface FirewallRuleInput {
  protocol: FirewallProtocol;
  startPort?: number;
  endPort?: number;
  icmpType?: number;
  icmpCode?: number;
  /** IPv4 or IPv6 CIDR the traffic may come from. */
  cidr: string;
}

export interface FirewallGroup {
  id: string;
  name: string;
  description: string;
  rules: FirewallRule[];
}
