// The import's API shapes live in shared/ so that the admin console (console/) reads the same schemas.
export * from '../../../shared/directory/import-report';
