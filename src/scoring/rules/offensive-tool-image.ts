/**
 * offensive-tool-image — a container runs an image built for attacking: penetration-testing
 * distributions (Kali, Parrot, BlackArch), scanners (nmap, masscan, zmap, rustscan, naabu),
 * exploitation and post-exploitation frameworks (Metasploit, Empire, Sliver, Impacket, CrackMapExec
 * / NetExec, Responder, sqlmap, hydra), tunnels (chisel, ligolo), Kubernetes attack tools
 * (peirates, kube-hunter) and cryptominers (xmrig, cpuminer).
 * Reads: `image` of every container, parsed; param `images` uses the pattern syntax of
 * `generic-image` (name, repository path, or registry/repository globs).
 * Why: the tool itself is the payload (T1610, Deploy Container; the tool was obtained per
 * T1588.002, which is not observable here). Miners are resource hijacking (T1496) delivered the same
 * way.
 * Benign look-alikes: red-team exercises and security teams running kube-hunter or nmap sweeps:
 * weight 4 warns, and an exemption names the team's namespace. Network debugging toolboxes
 * (netshoot, network-multitool) are graded by `generic-image`, not here.
 */
import type { Rule } from '../types.js';
import { imagesMatching, imagesSchema, type ImagesParams } from './generic-image.js';

export const offensiveToolImage: Rule<ImagesParams> = {
  id: 'offensive-tool-image',
  profile: 'default',
  weight: 4,
  technique: 'T1610',
  description: 'Container runs an offensive tool image (kali, nmap, metasploit, xmrig…)',
  reason: 'offensive tool image',
  guide: 'image-hygiene',
  doc: {
    reads: 'image of every container, parsed and normalized',
    why: 'scanners, exploitation frameworks, tunnels and miners: the image is the payload',
    benign: 'red-team exercises and security scans warn; exempt the team by namespace',
  },
  params: {
    schema: imagesSchema,
    defaults: {
      images: [
        'kalilinux/*',
        'kali*',
        'parrotsec/*',
        'blackarchlinux/*',
        'nmap',
        'masscan',
        'zmap',
        'rustscan',
        'naabu',
        'netcat',
        'ncat',
        'metasploit*',
        'metasploitframework/*',
        'sqlmap',
        'hydra',
        'thc-hydra',
        'nikto',
        'gobuster',
        'wpscan',
        'responder',
        'impacket',
        'crackmapexec',
        'netexec',
        'bettercap',
        'chisel',
        'ligolo*',
        'sliver',
        'empire',
        'bcsecurity/*',
        'peirates',
        'kube-hunter',
        '*pentest*',
        '*hacktool*',
        '*xmrig*',
        'cpuminer*',
      ],
    },
  },
  check: (workload, params) => imagesMatching(workload, params.images),
};
