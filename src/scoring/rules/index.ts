import { containerRuntimeSocket } from './container-runtime-socket.js';
import { dangerousCapabilities } from './dangerous-capabilities.js';
import { everyMinuteSchedule } from './every-minute-schedule.js';
import { genericImage } from './generic-image.js';
import { hostIpc } from './host-ipc.js';
import { hostNetwork } from './host-network.js';
import { hostPath } from './host-path.js';
import { hostPid } from './host-pid.js';
import { hostRootMount } from './host-root-mount.js';
import { offensiveToolImage } from './offensive-tool-image.js';
import { privilegeEscalationAllowed } from './privilege-escalation-allowed.js';
import { privilegedContainer } from './privileged-container.js';
import { privilegedHostPid } from './privileged-host-pid.js';
import { sensitiveHostPath } from './sensitive-host-path.js';
import { unpinnedImage } from './unpinned-image.js';
import { chrootHost } from './chroot-host.js';
import { cloudMetadataAccess } from './cloud-metadata-access.js';
import { cryptoMiner } from './crypto-miner.js';
import { downloadExec } from './download-exec.js';
import { encodedPayload } from './encoded-payload.js';
import { hostDiskMount } from './host-disk-mount.js';
import { networkClient } from './network-client.js';
import { nodeCredentials } from './node-credentials.js';
import { nsenterHost } from './nsenter-host.js';
import { reverseShell } from './reverse-shell.js';
import { serviceAccountTokenRead } from './service-account-token-read.js';
import { shadowFileAccess } from './shadow-file-access.js';
import { shellWrapper } from './shell-wrapper.js';
import { cloudCredentialTheft } from './cloud-credential-theft.js';
import { networkScan } from './network-scan.js';
import { portScanLoop } from './port-scan-loop.js';
import { runtimeClientEscape } from './runtime-client-escape.js';
import { serviceAccountTokenExfil } from './service-account-token-exfil.js';
import { analysisIncomplete } from './analysis-incomplete.js';
import { downloadExecUnverified } from './download-exec-unverified.js';
import { hostCredentialExfil } from './host-credential-exfil.js';
import { hostEscapeWrite } from './host-escape-write.js';
import { kubeApiEscalation } from './kube-api-escalation.js';
import { kubeSecretsRead } from './kube-secrets-read.js';
import { obfuscatedCommand } from './obfuscated-command.js';
import { secretExfil } from './secret-exfil.js';
import type { Rule } from '../types.js';

/** The default profile's rules, in the order `jobguard rules` lists them. */
export const DEFAULT_RULES: readonly Rule[] = [
  reverseShell,
  cryptoMiner,
  downloadExec,
  nsenterHost,
  chrootHost,
  runtimeClientEscape,
  hostEscapeWrite,
  kubeApiEscalation,
  analysisIncomplete,
  encodedPayload,
  portScanLoop,
  cloudCredentialTheft,
  serviceAccountTokenExfil,
  hostCredentialExfil,
  secretExfil,
  hostRootMount,
  containerRuntimeSocket,
  privilegedContainer,
  sensitiveHostPath,
  dangerousCapabilities,
  offensiveToolImage,
  networkScan,
  downloadExecUnverified,
  kubeSecretsRead,
  obfuscatedCommand,
  hostPid,
  privilegedHostPid,
  hostNetwork,
  hostIpc,
  hostDiskMount,
  cloudMetadataAccess,
  nodeCredentials,
  shadowFileAccess,
  serviceAccountTokenRead,
  hostPath,
  privilegeEscalationAllowed,
  genericImage,
  everyMinuteSchedule,
  unpinnedImage,
  networkClient,
  shellWrapper,
];
