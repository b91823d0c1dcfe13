/**
 * Every command id the extension registers. No `vscode` import, so a plain-Node unit test can check this list
 * against `contributes.commands` in package.json; `commands.ts` maps each id to its handler with a type that
 * requires one handler per id.
 */
export const COMMAND_IDS = [
  'responsibleMl.trainModel',
  'responsibleMl.stopTraining',
  'responsibleMl.validateConfig',
  'responsibleMl.auditDataset',
  'responsibleMl.auditPredictions',
  'responsibleMl.openRun',
  'responsibleMl.installNativeBackend',
  'responsibleMl.scanWorkspace',
  'responsibleMl.createTrainingConfig',
  'responsibleMl.sanitizeColumn',
  'responsibleMl.ignoreRuleForColumn',
  'responsibleMl.declareProtected',
  'responsibleMl.declareLabel',
  'responsibleMl.showLog',
  'responsibleMl.refreshView',
  'responsibleMl.openRunFile',
] as const;

export type CommandId = (typeof COMMAND_IDS)[number];

/** Commands that run code or install software: refused in restricted mode (Workspace Trust). */
export const TRUSTED_ONLY: readonly CommandId[] = [
  'responsibleMl.trainModel',
  'responsibleMl.installNativeBackend',
];

/** Commands used by quick fixes and tree items with arguments; hidden from the command palette. */
export const INTERNAL_COMMANDS: readonly CommandId[] = [
  'responsibleMl.sanitizeColumn',
  'responsibleMl.ignoreRuleForColumn',
  'responsibleMl.declareProtected',
  'responsibleMl.declareLabel',
  'responsibleMl.openRunFile',
];
